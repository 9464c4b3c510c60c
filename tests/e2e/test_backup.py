"""`vault admin backup` / `vault admin restore` of an embedded data directory.

A vaultd holds datasets with replaced and deleted records and versions; the
backup is taken while it runs and while another dataset takes writes. The
backup is restored into a fresh data directory, a second vaultd started on
it, and every record and version of the quiet datasets compared through the
API; every record of the busy dataset that made it into the snapshot is the
live one (or an earlier revision). The backup file holds no plaintext; a
wrong passphrase fails with exit 7; a non-empty target is refused.
"""
import os
import secrets
import subprocess
import threading

import pytest

from vaultlib import VAULT_CLI, VaultServer, make_tenant, new_dataset

pytestmark = pytest.mark.embedded_store  # backs up meta.db itself

CANARY = "canary-" + secrets.token_hex(8)


def cli(*args, env=None):
    assert VAULT_CLI.exists(), f"{VAULT_CLI} is missing: scripts/build.sh build vault"
    e = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    e.update(env or {})
    return subprocess.run([str(VAULT_CLI), *map(str, args)], env=e, capture_output=True, text=True, timeout=300)


def snapshot_of(client, ds_id):
    records = {r["id"]: (r["revision"], r["data"]) for r in client.get_all(f"/api/v1/datasets/{ds_id}/records")}
    versions = [(v["number"], v["record_count"], v["content_hash"])
                for v in client.get_all(f"/api/v1/datasets/{ds_id}/versions")]
    return records, versions


def test_online_backup_restores_every_record_and_version(tmp_path):
    admin_key = "vk_e2e_backup_admin_" + secrets.token_hex(8)
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=admin_key).start()
    restored = None
    try:
        t = make_tenant(srv, srv.client(admin_key))
        quiet = []
        for n in range(2):
            ds = new_dataset(t.writer)
            for i in range(150):
                r = t.writer.request("PUT", f"/api/v1/datasets/{ds['id']}/records/r{i}", json={"n": i, "text": f"{CANARY} {i}"})
                assert r.status == 201, r
            assert t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "v1"}).status == 201
            for i in range(0, 50):
                assert t.writer.request("PUT", f"/api/v1/datasets/{ds['id']}/records/r{i}",
                                        json={"n": i, "replaced": True}).status == 200
            for i in range(50, 60):
                assert t.writer.request("DELETE", f"/api/v1/datasets/{ds['id']}/records/r{i}").status == 204
            assert t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "v2"}).status == 201
            quiet.append(ds["id"])
        busy = new_dataset(t.writer)["id"]
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                t.writer.request("POST", f"/api/v1/datasets/{busy}/records", json={"i": i, "text": CANARY})
                i += 1

        th = threading.Thread(target=writer)
        th.start()
        env = {"BACKUP_PASSPHRASE": "correct horse battery staple " + secrets.token_hex(4)}
        try:
            out = tmp_path / "backup.vbak"
            b = cli("admin", "backup", "--data-dir", srv.data_dir, "-o", out, "--passphrase-env", "BACKUP_PASSPHRASE",
                    env=env)
            assert b.returncode == 0, b.stderr
        finally:
            stop.set()
            th.join(30)
        assert "backup:" in b.stdout
        blob = out.read_bytes()
        assert CANARY.encode() not in blob and b"SQLite format 3" not in blob
        assert oct(out.stat().st_mode & 0o777) == "0o600"

        wrong = cli("admin", "restore", out, "--data-dir", tmp_path / "nope", "--passphrase-env", "BACKUP_PASSPHRASE",
                    env={"BACKUP_PASSPHRASE": "wrong"})
        assert wrong.returncode == 7, wrong.stderr
        occupied = cli("admin", "restore", out, "--data-dir", srv.data_dir, "--passphrase-env", "BACKUP_PASSPHRASE",
                       env=env)
        assert occupied.returncode == 2, occupied.stderr

        r = cli("admin", "restore", out, "--data-dir", tmp_path / "restored", "--passphrase-env", "BACKUP_PASSPHRASE",
                env=env)
        assert r.returncode == 0, r.stderr
        assert oct((tmp_path / "restored").stat().st_mode & 0o777) == "0o700"
        restored = VaultServer(tmp_path / "restored", tmp_path / "restored.log", admin_key=admin_key).start()
        reader2 = restored.client(t.reader.key)
        for ds_id in quiet:
            assert snapshot_of(reader2, ds_id) == snapshot_of(t.reader, ds_id), ds_id
            got = reader2.request("GET", f"/api/v1/datasets/{ds_id}/records/r5?version=1")
            assert got.status == 200 and got.body["data"] == {"n": 5, "text": f"{CANARY} 5"}, got
        live = {r["id"]: r for r in t.reader.get_all(f"/api/v1/datasets/{busy}/records")}
        back = reader2.get_all(f"/api/v1/datasets/{busy}/records")
        assert back, "the snapshot holds none of the busy dataset's records"
        for rec in back:
            assert rec["id"] in live and rec["data"] == live[rec["id"]]["data"], rec
        print(f"\nbackup: {len(back)} of {len(live)} records of the busy dataset were in the snapshot")
    finally:
        if restored:
            assert restored.stop() == 0
        assert srv.stop() == 0


def test_backups_every_n_seconds(tmp_path):
    admin_key = "vk_e2e_backup_admin_" + secrets.token_hex(8)
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=admin_key).start()
    try:
        env = {"P": "another passphrase " + secrets.token_hex(4)}
        b = cli("admin", "backup", "--data-dir", srv.data_dir, "-o", tmp_path / "backups", "--every", 1, "--count", 2,
                "--passphrase-env", "P", env=env)
        assert b.returncode == 0, b.stderr
        files = sorted((tmp_path / "backups").glob("vault-backup-*.vbak"))
        assert len(files) == 2, b.stdout
        assert not list((tmp_path / "backups").glob(".vault-backup-*")), "scratch directories left behind"
    finally:
        assert srv.stop() == 0
