"""Key rotation end to end: a KEK rotation and a DEK rotation run while a
writer and a reader keep working; no request fails, every record (and old
versions via ?version=N) reads back afterwards, the old key versions are
retired/shredded, progress and metrics are visible, and a restart keeps
everything readable. The server's output never contains record data or the
master key."""
import base64
import secrets
import threading
import time

from vaultlib import VaultServer, make_tenant, metadata_rows, new_dataset


def wait_job(admin, job_id, seen, timeout=120, ops=None):
    """Polls the job until it ends; `seen` gets every state observed, with
    `_ops` = the traffic counter's value at that moment when `ops` is given."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = admin.request("GET", f"/api/v1/keys/jobs/{job_id}")
        assert r.status == 200, r
        if ops is not None:
            r.body["_ops"] = ops[0]
        seen.append(r.body)
        if r.body["state"] != "running":
            return r.body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {seen[-1]}")


def assert_log_clean(srv, needles):
    out = srv.log_path.read_bytes() + srv.err_path.read_bytes()
    for n in needles:
        assert n not in out, f"{n[:12]!r}... found in the server output"


def master_key_needles(data_dir):
    mk = (data_dir / "keys" / "master.key").read_bytes()
    return [mk.hex().encode(), mk.hex().upper().encode(), base64.b64encode(mk),
            base64.urlsafe_b64encode(mk), base64.b64encode(mk).rstrip(b"="),
            base64.urlsafe_b64encode(mk).rstrip(b"=")]


def test_rotation_under_load_then_restart(tmp_path):
    data = tmp_path / "data"
    srv = VaultServer(data, tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    canary = "rot-canary-" + secrets.token_hex(8)
    try:
        t = make_tenant(srv, srv.client(srv.admin_key))
        w = t.writer
        datasets = [new_dataset(w)["id"] for _ in range(4)]
        expected = {}  # (ds, rid) -> data
        for d, ds in enumerate(datasets):
            recs = [{"i": i, "ds": d, "text": f"{canary} {d}/{i}"} for i in range(250)]
            r = w.request("POST", f"/api/v1/datasets/{ds}/records:batch", json={"records": recs})
            assert r.status == 201, r
            for rid, rec in zip(r.body["ids"], recs):
                expected[(ds, rid)] = rec
        hot = datasets[0]
        # v1 snapshot, then replace some records: superseded revisions exist.
        assert w.request("POST", f"/api/v1/datasets/{hot}/versions", json={"message": "v1"}).status == 201
        v1 = {k: v for k, v in expected.items() if k[0] == hot}
        for (ds, rid) in list(v1)[:50]:
            new = {"replaced": rid, "text": canary}
            assert w.request("PUT", f"/api/v1/datasets/{ds}/records/{rid}", json=new).status == 200
            expected[(ds, rid)] = new

        failures, acked = [], {}
        ops = [0]  # successful requests so far (both threads; the GIL makes += safe enough for a count)
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                rid = f"live-{i % 40}"
                body = {"n": i, "text": canary}
                r = w.request("PUT", f"/api/v1/datasets/{hot}/records/{rid}", json=body)
                if r.status not in (200, 201):
                    failures.append(("PUT", r.status, r.body))
                else:
                    acked[rid] = body
                    ops[0] += 1
                i += 1

        def reader():
            keys = list(expected)
            rr = t.reader
            i = 0
            while not stop.is_set():
                ds, rid = keys[i % len(keys)]
                r = rr.request("GET", f"/api/v1/datasets/{ds}/records/{rid}")
                if r.status != 200 or r.body["data"] != expected[(ds, rid)]:
                    failures.append(("GET", r.status, r.body))
                old = list(v1)[i % len(v1)]
                r = rr.request("GET", f"/api/v1/datasets/{hot}/records/{old[1]}?version=1")
                if r.status != 200 or r.body["data"] != v1[old]:
                    failures.append(("GET v1", r.status, r.body))
                else:
                    ops[0] += 1
                i += 1

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for th in threads:
            th.start()
        def assert_traffic_during(job_seen, ops_at_start):
            # Requests completed while the job was observed running: traffic
            # and job overlapped (the job takes at least its settle delay).
            running = [x["_ops"] for x in job_seen if x["state"] == "running"]
            assert running and max(running) > ops_at_start, (ops_at_start, running)

        try:
            deadline = time.monotonic() + 30
            while ops[0] < 20 and time.monotonic() < deadline:  # traffic is flowing
                time.sleep(0.01)
            assert ops[0] >= 20, ops
            ops_at_start = ops[0]
            r = t.admin.request("POST", "/api/v1/keys/kek:rotate")
            assert r.status == 202, r
            kek_job = r.body
            assert kek_job["type"] == "kek_rotation" and kek_job["state"] == "running"
            assert kek_job["from_version"] == 1 and kek_job["to_version"] == 2
            assert r.header("Location") == f"/api/v1/keys/jobs/{kek_job['id']}"
            seen = []
            final = wait_job(t.admin, kek_job["id"], seen, ops=ops)
            assert final["state"] == "succeeded", final
            assert final["done"] == final["total"] >= len(datasets), final
            assert all(0 <= s["done"] <= s["total"] for s in seen)
            assert_traffic_during(seen, ops_at_start)

            ops_at_start = ops[0]
            r = t.admin.request("POST", f"/api/v1/datasets/{hot}/keys:rotate")
            assert r.status == 202, r
            dek_job = r.body
            assert dek_job["type"] == "dek_rotation" and dek_job["dataset_id"] == hot
            assert dek_job["from_version"] == 1 and dek_job["to_version"] == 2
            seen = []
            final = wait_job(t.admin, dek_job["id"], seen, ops=ops)
            assert final["state"] == "succeeded", final
            assert final["done"] == final["total"] > 250, final
            assert_traffic_during(seen, ops_at_start)
            after = ops[0]
            deadline = time.monotonic() + 30
            while ops[0] < after + 20 and time.monotonic() < deadline:  # traffic after the old DEK is gone
                time.sleep(0.01)
        finally:
            stop.set()
            for th in threads:
                th.join()
        assert failures == [], failures[:5]
        assert acked, "the writer never got through"

        # Only KEK version 2 is left; the jobs are listed.
        keys = t.admin.request("GET", "/api/v1/keys")
        assert keys.status == 200, keys
        assert keys.body["kek"]["current_version"] == 2 and keys.body["kek"]["versions"] == [2], keys.body
        assert {j["id"] for j in keys.body["jobs"]} >= {kek_job["id"], dek_job["id"]}
        # Other tenants' admins do not see these jobs; readers cannot rotate.
        assert t.reader.request("POST", "/api/v1/keys/kek:rotate").status == 403
        other = make_tenant(srv, srv.client(srv.admin_key))
        assert other.admin.request("GET", f"/api/v1/keys/jobs/{kek_job['id']}").status == 404
        assert other.admin.request("POST", f"/api/v1/datasets/{hot}/keys:rotate").status == 404

        metrics = srv.client(srv.admin_key).request("GET", "/metrics").body.decode()  # platform admin key
        assert 'vault_key_rotation_progress_ratio{type="kek_rotation"} 1' in metrics
        assert 'vault_key_rotation_jobs_total{type="kek_rotation",status="succeeded"} 1' in metrics
        assert 'vault_key_rotation_jobs_total{type="dek_rotation",status="succeeded"} 1' in metrics

        def check_all(client):
            for (ds, rid), want in expected.items():
                r = client.request("GET", f"/api/v1/datasets/{ds}/records/{rid}")
                assert r.status == 200 and r.body["data"] == want, r
            for (ds, rid), want in v1.items():
                r = client.request("GET", f"/api/v1/datasets/{ds}/records/{rid}?version=1")
                assert r.status == 200 and r.body["data"] == want, r
            for rid, want in acked.items():
                r = client.request("GET", f"/api/v1/datasets/{hot}/records/{rid}")
                assert r.status == 200 and r.body["data"] == want, r

        check_all(t.reader)
        assert srv.stop() == 0
        rows = metadata_rows(data, "SELECT d.id, k.version, k.kek_version, k.state, length(k.wrapped) FROM data_keys k "
                                   "JOIN datasets d ON d.pk = k.dataset_pk")
        assert all(r[2] == 2 for r in rows if r[4] > 0), rows  # every live wrap uses KEK v2
        hot_keys = sorted((r[1], r[3], r[4]) for r in rows if r[0] == hot)
        assert hot_keys[0][:2] == (1, "retired") and hot_keys[0][2] == 0, hot_keys  # shredded
        assert hot_keys[1][:2] == (2, "active") and hot_keys[1][2] > 32, hot_keys

        # (b) after a restart everything is still readable.
        srv.start()
        check_all(srv.client(t.reader.key))
        assert srv.stop() == 0
        assert_log_clean(srv, [canary.encode()] + master_key_needles(data))
    finally:
        if srv.proc and srv.proc.poll() is None:
            srv.stop()


def job_state_in_db(data_dir, job_id):
    rows = metadata_rows(data_dir, "SELECT state FROM key_jobs WHERE id=?", (job_id,))
    return rows[0][0] if rows else None


def test_jobs_resume_after_kill9(tmp_path):
    """kill -9 while a KEK job and then a DEK job run: on restart each job
    resumes from the store, finishes, and every record (and a pinned version)
    decrypts; a token made before detokenizes and pseudonyms do not change."""
    data = tmp_path / "data"
    srv = VaultServer(data, tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    try:
        platform = srv.client(srv.admin_key)
        t = make_tenant(srv, platform)
        ds = new_dataset(t.writer)["id"]
        recs = [{"i": i, "text": f"crash-{i}-" + "x" * 200} for i in range(1000)]
        r = t.writer.request("POST", f"/api/v1/datasets/{ds}/records:batch", json={"records": recs})
        assert r.status == 201, r
        expected = dict(zip(r.body["ids"], recs))
        assert t.writer.request("POST", f"/api/v1/datasets/{ds}/versions", json={"message": "v1"}).status == 201
        email = "jane.doe@example.com"
        tok = t.writer.request("POST", "/api/v1/pii/anonymize",
                               json={"text": email, "operator": {"operator": "tokenize"}})
        pseudo = t.writer.request("POST", "/api/v1/pii/anonymize",
                                  json={"text": email, "operator": {"operator": "pseudonymize"}})
        assert tok.status == 200 and pseudo.status == 200
        grant = platform.request("POST", "/api/v1/api-keys", json={"name": "detok", "role": "reader",
                                                                   "tenant_id": t.id,
                                                                   "permissions": ["pii:detokenize"]})
        assert grant.status == 201, grant

        def everything_reads(client_for):
            reader = client_for(t.reader.key)
            for rid, want in expected.items():
                g = reader.request("GET", f"/api/v1/datasets/{ds}/records/{rid}")
                assert g.status == 200 and g.body["data"] == want, g
            for rid in list(expected)[:50]:
                g = reader.request("GET", f"/api/v1/datasets/{ds}/records/{rid}?version=1")
                assert g.status == 200 and g.body["data"] == expected[rid], g
            d = client_for(grant.body["key"]).request("POST", "/api/v1/pii/detokenize",
                                                      json={"token": tok.body["text"]})
            assert d.status == 200 and d.body["value"] == email, d
            p = client_for(t.writer.key).request("POST", "/api/v1/pii/anonymize",
                                                 json={"text": email, "operator": {"operator": "pseudonymize"}})
            assert p.status == 200 and p.body["text"] == pseudo.body["text"], (p, pseudo)

        for kind, path, final_check in (
                ("kek_rotation", "/api/v1/keys/kek:rotate",
                 lambda admin: admin.request("GET", "/api/v1/keys").body["kek"]["versions"] == [2]),
                ("dek_rotation", f"/api/v1/datasets/{ds}/keys:rotate", None)):
            job = t.admin.request("POST", path)
            assert job.status == 202 and job.body["type"] == kind, job
            srv.kill9()  # at once: the job is still inside its pages or its settle delay
            assert job_state_in_db(data, job.body["id"]) == "running"
            srv.start()
            admin = srv.client(t.admin.key)
            final = wait_job(admin, job.body["id"], [])
            assert final["state"] == "succeeded" and final["done"] == final["total"], final
            if final_check:
                assert final_check(admin)
            everything_reads(srv.client)
        # The DEK job shredded version 1 of the data key after resuming.
        states = sorted(metadata_rows(data, "SELECT version, state, length(wrapped) FROM data_keys"))
        assert states[0][:2] == (1, "retired") and states[0][2] == 0, states
        assert states[-1][1] == "active", states
    finally:
        if srv.proc and srv.proc.poll() is None:
            srv.stop()
