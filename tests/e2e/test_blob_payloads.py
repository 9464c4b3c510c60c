"""Record payloads larger than storage.inline_max_bytes live in the blob
store, sealed like a row's payload; the row keeps a reference. Everything
that reads records (get, list, export, versions) serves them, a DEK rotation
re-encrypts them, deleting the dataset or purging the tenant removes them,
and neither the blob nor the row holds the plaintext."""
import secrets

from vaultlib import PG_STATE, VaultServer, make_tenant, metadata_rows, new_dataset, wait_job

CANARY = "blob-canary-" + secrets.token_hex(8)


def payload_files(data_dir, ds_id=""):
    root = data_dir / "blobs" / "payloads"
    return [p for p in root.rglob("*") if p.is_file() and (not ds_id or f"/{ds_id}/" in str(p))] \
        if root.exists() else []


def test_large_payloads_live_in_the_blob_store(tmp_path):
    admin_key = "vk_e2e_blobs_" + secrets.token_hex(8)
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=admin_key,
                      env={"VAULT_INLINE_MAX_BYTES": "4096"}).start()
    try:
        t = make_tenant(srv, srv.client(admin_key))
        ds = new_dataset(t.writer)
        base = f"/api/v1/datasets/{ds['id']}/records"
        large = {"text": CANARY + " " + "lorem ipsum " * 2000, "n": 1}
        small = {"text": "short", "n": 2}
        big = t.writer.request("POST", base, json=large)
        assert big.status == 201, big
        little = t.writer.request("POST", base, json=small)
        assert little.status == 201, little
        files = payload_files(srv.data_dir, ds["id"])
        assert len(files) == 1, files  # only the large one
        assert CANARY.encode() not in files[0].read_bytes()  # sealed
        if not PG_STATE:  # the row holds a reference, not the payload
            rows = metadata_rows(srv.data_dir, "SELECT record_id, length(payload), substr(payload, 2, 10) FROM records")
            by_id = {r[0]: r for r in rows}
            assert by_id[big.body["id"]][1] < 200 and by_id[big.body["id"]][2] == b"vault-blob", by_id

        assert t.reader.request("GET", f"{base}/{big.body['id']}").body["data"] == large
        listed = {r["id"]: r["data"] for r in t.reader.get_all(base)}
        assert listed == {big.body["id"]: large, little.body["id"]: small}
        resp, _, size, lines = t.reader.stream_download(f"{base}:export")
        assert resp.status == 200 and lines == 2 and size > 20000, (resp, size, lines)
        v = t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "v1"})
        assert v.status == 201, v
        # A new revision of the large record gets a blob of its own; version 1 keeps the old one.
        large2 = dict(large, n=3)
        assert t.writer.request("PUT", f"{base}/{big.body['id']}", json=large2).status == 200
        assert len(payload_files(srv.data_dir, ds["id"])) == 2
        assert t.reader.request("GET", f"{base}/{big.body['id']}?version=1").body["data"] == large
        assert t.reader.request("GET", f"{base}/{big.body['id']}").body["data"] == large2

        # DEK rotation re-encrypts the blobs too (into new blobs), then shreds the old key.
        job = t.admin.request("POST", f"/api/v1/datasets/{ds['id']}/keys:rotate")
        assert job.status == 202, job
        done = wait_job(t.admin, job.body["id"])
        assert done["state"] == "succeeded", done
        assert len(payload_files(srv.data_dir, ds["id"])) == 4  # two re-encrypted copies added
        assert t.reader.request("GET", f"{base}/{big.body['id']}").body["data"] == large2
        assert t.reader.request("GET", f"{base}/{big.body['id']}?version=1").body["data"] == large

        # After a restart (cold key caches) too.
        assert srv.stop() == 0
        srv.start()
        assert t.reader.request("GET", f"{base}/{big.body['id']}").body["data"] == large2

        assert t.admin.request("DELETE", f"/api/v1/datasets/{ds['id']}").status == 204
        assert payload_files(srv.data_dir, ds["id"]) == []

        # Purging the tenant removes the blobs of its other datasets too.
        ds2 = new_dataset(t.writer)
        assert t.writer.request("POST", f"/api/v1/datasets/{ds2['id']}/records", json=large).status == 201
        assert len(payload_files(srv.data_dir, ds2["id"])) == 1
        assert srv.client(admin_key).request("DELETE", f"/api/v1/tenants/{t.id}").status == 204
        assert payload_files(srv.data_dir) == []
    finally:
        assert srv.stop() == 0
