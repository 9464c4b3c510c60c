"""`vault admin backup` / `vault admin restore` of an embedded data directory.

A vaultd holds datasets with replaced and deleted records and versions; the
backup is taken while it runs and while another dataset takes writes. The
backup is restored into a fresh data directory, a second vaultd started on
it, and every record and version of the quiet datasets compared through the
API; every record of the busy dataset that made it into the snapshot is the
live one (or an earlier revision). The backup file holds no plaintext; a
wrong passphrase fails with exit 7; a non-empty target is refused. A backup
to S3 (s3rver) and a restore from it.
"""
import os
import secrets
import subprocess
import threading
from pathlib import Path

import pytest

from vaultlib import REPO, VAULT_CLI, VaultServer, make_tenant, new_dataset

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


def test_backup_to_s3_and_restore_from_it(tmp_path):
    """To an object store (s3rver started here), with a multipart upload (the
    backup is larger than the threshold given in the URL), and back."""
    scripts = REPO / "scripts" / "services"
    s3 = tmp_path / "s3"
    subprocess.run([str(scripts / "s3_start.sh"), str(s3)], check=True, stdout=subprocess.DEVNULL)
    admin_key = "vk_e2e_backup_admin_" + secrets.token_hex(8)
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=admin_key).start()
    restored = None
    try:
        t = make_tenant(srv, srv.client(admin_key))
        ds = new_dataset(t.writer)
        lines = "".join('{"i": %d, "text": "%s %s"}\n' % (i, CANARY, secrets.token_hex(200)) for i in range(8000))
        imp = t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records:import", body=lines.encode(),
                               headers={"Content-Type": "application/x-ndjson"})
        assert imp.status == 200, imp
        endpoint = (s3 / "endpoint").read_text().strip()
        bucket = (s3 / "bucket").read_text().strip()
        env = {"P": "s3 passphrase " + secrets.token_hex(4), "AWS_ACCESS_KEY_ID": "S3RVER",
               "AWS_SECRET_ACCESS_KEY": "S3RVER"}
        store = f"s3://{bucket}/nightly?endpoint={endpoint}&region=us-east-1&multipart_threshold=5242880&part_size=5242880"
        b = cli("admin", "backup", "--data-dir", srv.data_dir, "-o", store, "--passphrase-env", "P", env=env)
        assert b.returncode == 0, b.stderr
        url = b.stdout.split("backup: ", 1)[1].split(" ", 1)[0]
        assert url.startswith(f"s3://{bucket}/nightly/vault-backup-") and ".vbak?" in url, b.stdout
        # The object holds no plaintext (s3rver keeps objects as files).
        objects = [p for p in Path((s3 / "dir").read_text().strip()).rglob("*") if p.is_file()]
        big = max(objects, key=lambda p: p.stat().st_size)
        assert big.stat().st_size > 5 * 1024 * 1024, [(p.name, p.stat().st_size) for p in objects]
        assert CANARY.encode() not in big.read_bytes()
        r = cli("admin", "restore", url, "--data-dir", tmp_path / "restored", "--passphrase-env", "P", env=env)
        assert r.returncode == 0, r.stderr
        missing = cli("admin", "restore", url.replace("vault-backup-", "no-such-"), "--data-dir", tmp_path / "r2",
                      "--passphrase-env", "P", env=env)
        assert missing.returncode != 0 and "not found" in missing.stderr, missing.stderr
        restored = VaultServer(tmp_path / "restored", tmp_path / "restored.log", admin_key=admin_key).start()
        assert snapshot_of(restored.client(t.reader.key), ds["id"]) == snapshot_of(t.reader, ds["id"])
    finally:
        if restored:
            assert restored.stop() == 0
        assert srv.stop() == 0
        subprocess.run([str(scripts / "s3_stop.sh"), str(s3)], check=False)
