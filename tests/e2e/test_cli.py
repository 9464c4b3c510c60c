"""The `vault` CLI driven against a real server."""
import hashlib
import json
import os
import subprocess

import pytest

from vaultlib import VAULT_CLI, free_port, jsonl_lines, settled


@pytest.fixture(scope="module")
def cli(server, tenant):
    """Runs `vault` with the tenant's admin key; returns CompletedProcess."""
    assert VAULT_CLI.exists(), f"{VAULT_CLI} is missing: scripts/build.sh build vault"

    def run(*args, key=None, env=None, stdin=None, url=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
        e["VAULT_URL"] = url or server.url
        e["VAULT_API_KEY"] = tenant.keys["admin"] if key is None else key
        e.update(env or {})
        return subprocess.run([str(VAULT_CLI), *args], env=e, input=stdin, capture_output=True, timeout=120)
    return run


def js(p):
    assert p.returncode == 0, (p.returncode, p.stderr.decode())
    return json.loads(p.stdout)


def test_help_documents_exit_codes(cli):
    p = cli("--help")
    assert p.returncode == 0
    out = p.stdout.decode()
    for code in range(7):
        assert f"  {code}  " in out
    assert cli("no-such-command").returncode == 2
    assert cli("datasets", "list", "--format", "xml").returncode == 2


def test_status(cli):
    p = cli("status")
    assert p.returncode == 0, p.stderr
    assert b"ready" in p.stdout
    s = js(cli("status", "--format", "json"))
    assert s["ready"]["status"] in ("ready", "degraded") and s["live"]["status"] == "alive"


def test_datasets_create_list_get_update(cli):
    ds = js(cli("datasets", "create", "cli-ds-one", "-d", "from the cli", "-t", "cli", "--format", "json"))
    assert ds["name"] == "cli-ds-one" and ds["tags"] == ["cli"]
    table = cli("datasets", "list")
    assert table.returncode == 0
    lines = table.stdout.decode().splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "STATUS"]
    assert any(ds["id"] in ln and "cli-ds-one" in ln for ln in lines[1:])
    listed = js(cli("datasets", "list", "--name-prefix", "cli-ds-", "--format", "json"))
    assert [d["id"] for d in listed["items"]] == [ds["id"]]
    got = js(cli("datasets", "get", ds["id"], "--format", "json"))
    assert got["id"] == ds["id"]
    upd = js(cli("datasets", "update", ds["id"], "-d", "changed", "--if-match", ds["etag"], "--format", "json"))
    assert upd["description"] == "changed"
    stale = cli("datasets", "update", ds["id"], "-d", "again", "--if-match", ds["etag"])
    assert stale.returncode == 5
    assert b"ConcurrentModificationError (VAULT_ERR_0041)" in stale.stderr
    assert js(cli("datasets", "archive", ds["id"], "--format", "json"))["status"] == "archived"
    assert js(cli("datasets", "restore", ds["id"], "--format", "json"))["status"] == "active"
    assert js(cli("datasets", "stats", ds["id"], "--format", "json"))["records"] == 0
    dup = cli("datasets", "create", "cli-ds-one")
    assert dup.returncode == 5 and b"error: ConflictError (VAULT_ERR_0040):" in dup.stderr


def test_import_export_round_trip(cli, tmp_path):
    ds = js(cli("datasets", "create", "cli-io", "--format", "json"))
    data = b"".join(jsonl_lines(20_000))
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    p = cli("records", "import", ds["id"], str(src))
    assert p.returncode == 0, p.stderr
    assert b"imported 20000, failed 0" in p.stdout
    assert b"import:" in p.stderr  # progress on stderr
    out = tmp_path / "out.jsonl"
    e = cli("records", "export", ds["id"], "-o", str(out))
    assert e.returncode == 0, e.stderr
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert b"export:" in e.stderr
    # to stdout, quietly
    e2 = cli("records", "export", ds["id"], "-q")
    assert e2.returncode == 0 and e2.stdout == data and e2.stderr == b""
    # from stdin (chunked upload)
    ds2 = js(cli("datasets", "create", "cli-io-stdin", "--format", "json"))
    part = data[:data.index(b"\n", 100_000) + 1]
    p2 = cli("records", "import", ds2["id"], "-", "--format", "json", stdin=part)
    n = part.count(b"\n")
    assert js(p2)["imported"] == n


def test_import_with_bad_lines_exits_1(cli, tmp_path):
    ds = js(cli("datasets", "create", "cli-bad", "--format", "json"))
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b'{"a": 1}\n{oops\n{"a": 2}\n')
    p = cli("records", "import", ds["id"], str(src))
    assert p.returncode == 1
    assert b"imported 2, failed 1" in p.stdout and b"MalformedRequestError" in p.stdout


def test_records_and_versions(cli):
    ds = js(cli("datasets", "create", "cli-rec", "--format", "json"))
    rec = js(cli("records", "put", ds["id"], "-d", '{"q": "hello"}', "--format", "json"))
    assert rec["data"] == {"q": "hello"}
    v = js(cli("versions", "create", ds["id"], "-m", "first", "--format", "json"))
    assert v["number"] == 1
    upd = js(cli("records", "put", ds["id"], rec["id"], "-d", '{"q": "bye"}', "--if-match", "1", "--format", "json"))
    assert upd["revision"] == 2
    assert js(cli("records", "get", ds["id"], rec["id"], "--version", "1", "--format", "json"))["data"] == {"q": "hello"}
    lst = cli("records", "list", ds["id"])
    assert rec["id"] in lst.stdout.decode()
    assert js(cli("versions", "list", ds["id"], "--format", "json"))["items"][0]["number"] == 1
    assert js(cli("versions", "get", ds["id"], "1", "--format", "json"))["message"] == "first"
    assert cli("versions", "get", ds["id"], "7").returncode == 3
    assert cli("records", "delete", ds["id"], rec["id"]).returncode == 0
    assert cli("records", "get", ds["id"], rec["id"]).returncode == 3
    assert cli("records", "put", ds["id"], "-d", "[1]").returncode == 2


def test_error_exit_codes(cli, server):
    missing = cli("datasets", "get", "ds_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert missing.returncode == 3
    assert missing.stderr.decode().startswith("error: DatasetNotFoundError (VAULT_ERR_0021): ")
    assert cli("datasets", "list", key="").returncode == 4
    assert cli("datasets", "list", key="vk_wrong").returncode == 4
    down = cli("datasets", "list", url=f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 6 and down.stderr.startswith(b"error: ")
    flags = cli("--url", server.url, "datasets", "list", "--api-key", "vk_wrong")
    assert flags.returncode == 4  # flags win over the environment


def test_admin_commands(cli, server, tenant):
    admin_key = server.admin_key
    t = js(cli("tenants", "create", "cli-tenant", "--format", "json", key=admin_key))
    assert t["name"] == "cli-tenant"
    assert "cli-tenant" in cli("tenants", "list", key=admin_key).stdout.decode()
    k = js(cli("api-keys", "create", "cli-key", "--role", "reader", "--format", "json"))
    assert k["role"] == "reader" and k["key"]
    assert cli("datasets", "list", key=k["key"]).returncode == 0
    assert cli("datasets", "create", "nope", key=k["key"]).returncode == 4
    assert k["id"] in cli("api-keys", "list").stdout.decode()
    assert cli("api-keys", "revoke", k["id"]).returncode == 0
    assert settled(lambda: cli("datasets", "list", key=k["key"]), lambda p: p.returncode == 4).returncode == 4
