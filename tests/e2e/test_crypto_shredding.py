"""Crypto-shredding end to end. Canaries go to datasets A and B of tenant T1
and to dataset C of tenant T2; dataset A is deleted and tenant T1 purged.
Copies of the data directory (meta.db + WAL, blobs, keyring, master key)
taken BEFORE and AFTER are checked offline with tests/support/shred_check.cpp
(the real storage and key provider classes):

- before + before: everything decrypts (the checker can decrypt);
- after + after: T1 is gone, T2 decrypts;
- db BEFORE + keyring AFTER: not one of T1's revisions decrypts (its KEK is
  destroyed), T2's still all do — the point of crypto-shredding.

The server's output never contains a canary or the master key."""
import base64
import re
import shutil
import subprocess
import secrets

import pytest

from vaultlib import BIN_DIR, VaultServer, assert_error, make_tenant, new_dataset

pytestmark = pytest.mark.embedded_store  # reads meta.db itself

CHECKER = BIN_DIR / "vault_shred_check"
LINE = re.compile(r"^dataset (\S+) (\S+) revisions=(\d+) decrypted=(\d+) failed=(\d+) needles=(\S*)$")


def snapshot(data, dest):
    """Copies the whole data directory of a STOPPED server (db, WAL, blobs, keys)."""
    shutil.copytree(data, dest)
    return dest


def check(db_dir, key_dir, needles):
    """{dataset id: (tenant, revisions, decrypted, failed, {needle indexes})}."""
    assert CHECKER.exists(), f"{CHECKER} is missing: scripts/build.sh build vault_shred_check"
    args = [str(CHECKER), "--db", str(db_dir / "meta.db"), "--keyring", str(key_dir / "keys" / "keyring.sealed"),
            "--master-key", str(key_dir / "keys" / "master.key")]
    for n in needles:
        args += ["--needle", n]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for n in needles:
        assert n not in p.stdout and n not in p.stderr
    out = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            idx = {int(i) for i in m.group(6).split(",") if i}
            out[m.group(2)] = (m.group(1), int(m.group(3)), int(m.group(4)), int(m.group(5)), idx)
    return out


def write_canary(client, ds, canary, n=20):
    recs = [{"i": i, "text": f"{canary} #{i}"} for i in range(n)]
    r = client.request("POST", f"/api/v1/datasets/{ds}/records:batch", json={"records": recs})
    assert r.status == 201, r
    # A superseded revision and a version: old copies must be shredded too.
    assert client.request("POST", f"/api/v1/datasets/{ds}/versions", json={"message": "v1"}).status == 201
    rid = r.body["ids"][0]
    assert client.request("PUT", f"/api/v1/datasets/{ds}/records/{rid}", json={"text": canary + " v2"}).status == 200


def test_purged_tenant_and_deleted_dataset_are_undecryptable(tmp_path):
    data = tmp_path / "data"
    srv = VaultServer(data, tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    admin = srv.client(srv.admin_key)
    canaries = [f"shred-{x}-{secrets.token_hex(8)}" for x in ("A", "B", "C")]
    try:
        t1 = make_tenant(srv, admin)
        t2 = make_tenant(srv, admin)
        a, b = new_dataset(t1.writer)["id"], new_dataset(t1.writer)["id"]
        c = new_dataset(t2.writer)["id"]
        for client, ds, canary in ((t1.writer, a, canaries[0]), (t1.writer, b, canaries[1]),
                                   (t2.writer, c, canaries[2])):
            write_canary(client, ds, canary)
        assert srv.stop() == 0
        before = snapshot(data, tmp_path / "before")

        srv.start()
        admin = srv.client(srv.admin_key)
        w1 = srv.client(t1.admin.key)  # deleting a dataset is admin-only
        assert w1.request("DELETE", f"/api/v1/datasets/{a}").status == 204
        # Purge: platform admin only; never the platform's own tenant.
        assert_error(srv.client(t1.admin.key).request("DELETE", f"/api/v1/tenants/{t2.id}"), 403)
        me = admin.request("GET", "/api/v1/tenants").body["items"]
        system = next(t for t in me if t["name"] == "system")
        assert_error(admin.request("DELETE", f"/api/v1/tenants/{system['id']}"), 409, "ConflictError")
        r = admin.request("DELETE", f"/api/v1/tenants/{t1.id}")
        assert r.status == 204, r
        assert_error(admin.request("DELETE", f"/api/v1/tenants/{t1.id}"), 404)
        assert_error(admin.request("GET", f"/api/v1/tenants/{t1.id}"), 404)
        # Its API keys stopped working at once (auth cache evicted).
        assert_error(w1.request("GET", f"/api/v1/datasets/{b}"), 401)
        # The other tenant is untouched.
        r = srv.client(t2.reader.key).request("GET", f"/api/v1/datasets/{c}/records?limit=100")
        assert r.status == 200 and len(r.body["items"]) == 20
        assert srv.stop() == 0
        after = snapshot(data, tmp_path / "after")

        # The checker decrypts an intact copy (so its failures below mean something).
        full = check(before, before, canaries)
        assert set(full) >= {a, b, c}
        for ds, idx in ((a, 0), (b, 1), (c, 2)):
            tenant, n, ok, bad, found = full[ds]
            assert n == 21 and ok == n and bad == 0 and found == {idx}, (ds, full[ds])

        # After: T1's datasets are gone; T2 decrypts.
        now = check(after, after, canaries)
        assert a not in now and b not in now
        assert now[c][2] == 21 and now[c][3] == 0 and now[c][4] == {2}

        # Old database + current keyring: T1's ciphertext is noise.
        mixed = check(before, after, canaries)
        for ds in (a, b):
            tenant, n, ok, bad, found = mixed[ds]
            assert tenant == t1.id and n == 21 and ok == 0 and bad == n and found == set(), (ds, mixed[ds])
        assert mixed[c][2] == 21 and mixed[c][4] == {2}

        # No file of the data directory holds a canary in clear.
        for p in after.rglob("*"):
            if p.is_file():
                blob = p.read_bytes()
                for canary in canaries:
                    assert canary.encode() not in blob, p

        mk = (data / "keys" / "master.key").read_bytes()
        out = srv.log_path.read_bytes() + srv.err_path.read_bytes()
        for needle in [c.encode() for c in canaries] + [mk.hex().encode(), mk.hex().upper().encode(),
                                                         base64.b64encode(mk), base64.urlsafe_b64encode(mk),
                                                         base64.b64encode(mk).rstrip(b"=")]:
            assert needle not in out
    finally:
        if srv.proc and srv.proc.poll() is None:
            srv.stop()
