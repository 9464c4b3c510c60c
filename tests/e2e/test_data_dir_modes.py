"""The data directory is owner-only: 0700 directories and 0600 files after a start (SQLite
database, WAL, SHM, keyring, master key, blobs), and a pre-existing directory with looser
modes is tightened at start, with a warning naming each path."""
import json
import os
import secrets
import stat

import pytest

from vaultlib import VaultServer, make_tenant, new_dataset

pytestmark = pytest.mark.embedded_store  # reads meta.db itself


def modes(root):
    """{relative path: mode} of the data dir itself and everything under it (no symlinks)."""
    out = {".": stat.S_IMODE(os.lstat(root).st_mode)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            out[os.path.relpath(p, root)] = stat.S_IMODE(st.st_mode)
    return out


def assert_private(root):
    found = modes(root)
    wrong = {}
    for rel, mode in found.items():
        want = 0o700 if os.path.isdir(os.path.join(root, rel)) else 0o600
        if mode != want:
            wrong[rel] = oct(mode)
    assert not wrong, f"not owner-only: {wrong}"
    return found


def write_some(server):
    admin = server.client(server.admin_key)
    t = make_tenant(server, admin)
    ds = new_dataset(t.writer)
    for i in range(5):
        r = t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"i": i, "email": "a@b.example"})
        assert r.status == 201, r
    assert t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "v"}).status == 201


def test_fresh_and_loosened_data_dirs_end_up_owner_only(tmp_path):
    data = tmp_path / "data"
    srv = VaultServer(data, tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    # A loose umask must not matter (vaultd sets its own).
    old_umask = os.umask(0o022)
    try:
        srv.start()
    finally:
        os.umask(old_umask)
    try:
        write_some(srv)
        found = assert_private(data)  # while running: the -wal/-shm files exist
        names = set(found)
        assert "meta.db" in names and "meta.db-wal" in names and "meta.db-shm" in names, names
        assert any(n.startswith("keys") for n in names), names
    finally:
        assert srv.stop() == 0

    # Loosen everything (as a restore or an older build would leave it), then start again.
    loosened = []
    for dirpath, dirnames, filenames in os.walk(data):
        for name in filenames:
            p = os.path.join(dirpath, name)
            os.chmod(p, 0o644)
            loosened.append(os.path.relpath(p, data))
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
    os.chmod(data, 0o755)
    assert "meta.db" in loosened
    srv.start()
    try:
        assert_private(data)
        write_some(srv)
        assert_private(data)
        warned = set()
        for line in srv.stdout_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "tightened permissions" in entry.get("msg", entry.get("message", "")):
                warned.add(json.dumps(entry))
        text = "\n".join(warned)
        assert str(data / "meta.db") in text and str(data) in text, srv.stdout_text()[-3000:]
        assert "0644" in text and "0755" in text
    finally:
        assert srv.stop() == 0
