"""Encryption at rest, end to end: record payloads written through every write
path must not appear in clear in any file of the data directory (SQLite
database, its WAL, blobs, keyring) nor, in the PostgreSQL run, in any file of
the PostgreSQL cluster (tables, indexes, TOAST, WAL), nor in the server's
output, while reads and exports return them intact; deleting a dataset
destroys its data key."""
import os
import secrets
import subprocess
from pathlib import Path

from vaultlib import PG_STATE, VaultServer, import_jsonl, make_tenant, metadata_rows, new_dataset, pg_server_url


def files_containing(root: Path, needle: bytes):
    hits = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            try:
                if needle in p.read_bytes():
                    hits.append(str(p))
            except OSError:
                pass
    return hits


def test_canaries_never_reach_disk_or_logs(tmp_path):
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    try:
        t = make_tenant(srv, srv.client(srv.admin_key))
        ds = new_dataset(t.writer)["id"]
        canaries = [f"canary-{kind}-{secrets.token_hex(8)}" for kind in ("post", "put", "batch", "import", "idem")]
        c_post, c_put, c_batch, c_import, c_idem = canaries
        w = t.writer
        # An idempotent POST stores its response (which holds the record) for replay.
        idem = {"Idempotency-Key": "idem-" + secrets.token_hex(6)}
        first = w.request("POST", f"/api/v1/datasets/{ds}/records", json={"text": c_idem}, headers=idem)
        again = w.request("POST", f"/api/v1/datasets/{ds}/records", json={"text": c_idem}, headers=idem)
        assert first.status == again.status == 201
        assert again.header("Idempotency-Replayed") == "true" and again.body == first.body
        assert w.request("POST", f"/api/v1/datasets/{ds}/records", json={"text": c_post}).status == 201
        assert w.request("PUT", f"/api/v1/datasets/{ds}/records/user-1", json={"text": c_put}).status == 201
        assert w.request("POST", f"/api/v1/datasets/{ds}/records:batch",
                         json={"records": [{"text": c_batch}, {"n": 2}]}).status == 201
        body = "".join(f'{{"i": {i}, "text": "{c_import}"}}\n' for i in range(200)).encode()
        r = import_jsonl(w, ds, body)
        assert r.status == 200 and r.body["imported"] == 200, r
        assert w.request("POST", f"/api/v1/datasets/{ds}/versions", json={"message": "v1"}).status == 201

        # Reads and exports give the plaintext back, byte for byte.
        got = w.request("GET", f"/api/v1/datasets/{ds}/records/user-1")
        assert got.body["data"] == {"text": c_put}
        export = w.request("GET", f"/api/v1/datasets/{ds}/records:export?version=1").body
        export = export if isinstance(export, bytes) else str(export).encode()
        for c in canaries:
            assert c.encode() in export
        assert body in export

        # Stop cleanly first so everything (WAL included) is on disk, then look.
        assert srv.stop() == 0
        data = tmp_path / "data"
        roots = [data]
        if PG_STATE:
            # Every page to the data files too, not only to the WAL.
            subprocess.run(["psql", "-X", "-q", pg_server_url(), "-c", "CHECKPOINT"], check=True)
            roots.append(Path((Path(PG_STATE) / "data").read_text().strip()) / "db")
        else:
            assert any(p.name.startswith("meta.db") for p in data.iterdir())
        for c in canaries:
            for root in roots:
                assert files_containing(root, c.encode()) == [], (c, root)
            assert c.encode() not in srv.log_path.read_bytes()
            assert c.encode() not in Path(str(srv.log_path) + ".err").read_bytes()
        # The database holds wrapped data keys only.
        rows = metadata_rows(data, "SELECT version, kek_id, length(wrapped) FROM data_keys")
        assert len(rows) == 1 and rows[0][0] == 1 and rows[0][2] > 32

        # After a restart everything still decrypts.
        srv.start()
        w = srv.client(t.writer.key)
        assert w.request("GET", f"/api/v1/datasets/{ds}/records/user-1").body["data"] == {"text": c_put}

        # Deleting the dataset destroys its wrapped data key (crypto-shredding).
        assert srv.client(t.admin.key).request("DELETE", f"/api/v1/datasets/{ds}").status == 204
        assert metadata_rows(data, "SELECT count(*) FROM data_keys") == [(0,)]
    finally:
        if srv.proc and srv.proc.poll() is None:
            assert srv.stop() == 0
