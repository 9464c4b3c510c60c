"""Transit API end to end (/api/v1/transit, docs/api.md "Transit"): named
tenant keys, encrypt/decrypt/rewrap/datakey with single items and
batch_input, rotation and min_decryption_version, tenant isolation, roles,
tampering, restart; and `vault encrypt --key` / `vault decrypt --key`."""
import base64
import hashlib
import os
import secrets
import subprocess

import pytest

from vaultlib import VAULT_CLI, VaultServer, assert_error, make_tenant


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def unb64(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


@pytest.fixture(scope="module")
def transit_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("transit")
    srv = VaultServer(base / "data", base / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    yield srv
    code = srv.stop()
    assert code == 0, srv.log_tail()


@pytest.fixture(scope="module")
def t(transit_server):
    return make_tenant(transit_server, transit_server.client(transit_server.admin_key))


def new_key(t, name=None):
    name = name or "k-" + secrets.token_hex(4)
    r = t.admin.request("POST", "/api/v1/transit/keys", json={"name": name})
    assert r.status == 201, r
    return name


def encrypt(client, name, data: bytes, context=None):
    body = {"plaintext": b64(data)}
    if context is not None:
        body["context"] = b64(context)
    r = client.request("POST", f"/api/v1/transit/encrypt/{name}", json=body)
    assert r.status == 200, r
    return r.body["ciphertext"]


def decrypt(client, name, ciphertext, context=None):
    body = {"ciphertext": ciphertext}
    if context is not None:
        body["context"] = b64(context)
    return client.request("POST", f"/api/v1/transit/decrypt/{name}", json=body)


def test_create_list_get_and_names(t):
    name = new_key(t)
    again = t.admin.request("POST", "/api/v1/transit/keys", json={"name": name})
    assert_error(again, 409, "ConflictError")
    got = t.reader.request("GET", f"/api/v1/transit/keys/{name}")
    assert got.status == 200, got
    k = got.body
    assert k["name"] == name and k["latest_version"] == 1 and k["min_decryption_version"] == 1
    assert k["type"] == "aes256-gcm96"
    assert [v["version"] for v in k["versions"]] == [1]
    assert k["created_at"].endswith("Z")
    # Never key material in the metadata.
    assert set(k) == {"name", "type", "latest_version", "min_decryption_version", "deletion_allowed",
                      "versions", "created_at", "updated_at"}
    names = [i["name"] for i in t.reader.request("GET", "/api/v1/transit/keys").body["items"]]
    assert name in names
    for bad in ("_anonymization", "has space", "x" * 129, "a/b", ""):
        r = t.admin.request("POST", "/api/v1/transit/keys", json={"name": bad})
        assert_error(r, 400, "ValidationError")
    # Reserved names are not reachable through the API either.
    assert_error(t.reader.request("GET", "/api/v1/transit/keys/_anonymization"), 400, "ValidationError")
    assert_error(t.reader.request("GET", "/api/v1/transit/keys/nope"), 404, "ResourceNotFoundError")
    assert_error(t.writer.request("POST", "/api/v1/transit/encrypt/nope", json={"plaintext": b64("x")}),
                 404, "ResourceNotFoundError")


def test_roles(t):
    name = new_key(t)
    assert_error(t.writer.request("POST", "/api/v1/transit/keys", json={"name": "w-" + name}), 403)
    assert_error(t.reader.request("POST", f"/api/v1/transit/encrypt/{name}", json={"plaintext": b64("x")}), 403)
    assert_error(t.reader.request("POST", f"/api/v1/transit/keys/{name}:rotate"), 403)
    assert_error(t.writer.request("PATCH", f"/api/v1/transit/keys/{name}",
                                  json={"min_decryption_version": 1}), 403)
    ct = encrypt(t.writer, name, b"x")
    assert_error(decrypt(t.reader, name, ct), 403)


def test_round_trip_context_and_tamper(transit_server, t):
    name = new_key(t)
    data = os.urandom(1000) + b"canary-transit"
    ct = encrypt(t.writer, name, data)
    assert ct.startswith("vault:v1:")
    r = decrypt(t.writer, name, ct)
    assert r.status == 200 and unb64(r.body["plaintext"]) == data
    ctx_ct = encrypt(t.writer, name, b"bound", context=b"user-7")
    assert unb64(decrypt(t.writer, name, ctx_ct, context=b"user-7").body["plaintext"]) == b"bound"
    e = assert_error(decrypt(t.writer, name, ctx_ct, context=b"user-8"), 400, "ValidationError")
    assert e["details"]["reason"] == "authentication_failed"
    # Flip one byte of the sealed part: refused, and nothing of the input is echoed.
    raw = bytearray(unb64(ct.split(":", 2)[2]))
    raw[len(raw) // 2] ^= 1
    tampered = "vault:v1:" + b64(bytes(raw))
    e = assert_error(decrypt(t.writer, name, tampered), 400, "ValidationError")
    assert "canary" not in str(e) and tampered not in str(e)
    e = assert_error(decrypt(t.writer, name, "not-a-ciphertext"), 400, "ValidationError")
    assert e["details"]["field"] == "ciphertext"
    other = new_key(t)
    e = assert_error(decrypt(t.writer, other, ct), 400, "ValidationError")
    assert e["details"]["reason"] == "key_mismatch"
    bad = t.writer.request("POST", f"/api/v1/transit/encrypt/{name}", json={"plaintext": "%%%"})
    assert assert_error(bad, 400, "ValidationError")["details"]["field"] == "plaintext"
    # Neither the plaintext (raw or base64) nor the ciphertext reaches the server's output.
    log = transit_server.log_path.read_bytes() + transit_server.err_path.read_bytes()
    for needle in (b"canary-transit", b64(data).encode(), ct.encode()):
        assert needle not in log


def test_batch_with_a_bad_item(t):
    name = new_key(t)
    items = [{"plaintext": b64(f"item-{i}")} for i in range(5)]
    items.insert(2, {"plaintext": "not base64!"})
    items.append("not an object")
    r = t.writer.request("POST", f"/api/v1/transit/encrypt/{name}", json={"batch_input": items})
    assert r.status == 200, r
    res = r.body["batch_results"]
    assert len(res) == 7
    assert set(res[2]) == {"error"} and res[2]["error"]["type"] == "ValidationError"
    assert res[2]["error"]["code"].startswith("VAULT_ERR_") and res[2]["error"]["details"]["index"] == 2
    assert res[6]["error"]["type"] == "ValidationError"
    good = [x for i, x in enumerate(res) if i not in (2, 6)]
    assert all(x["key_version"] == 1 and x["ciphertext"].startswith("vault:v1:") for x in good)
    dec_items = [{"ciphertext": x["ciphertext"]} for x in good] + [{"ciphertext": "vault:v1:AAAA"}]
    d = t.writer.request("POST", f"/api/v1/transit/decrypt/{name}", json={"batch_input": dec_items})
    assert d.status == 200, d
    out = d.body["batch_results"]
    assert [unb64(x["plaintext"]).decode() for x in out[:5]] == [f"item-{i}" for i in range(5)]
    assert out[5]["error"]["type"] == "ValidationError"
    too_many = t.writer.request("POST", f"/api/v1/transit/encrypt/{name}",
                                json={"batch_input": [{"plaintext": ""}] * 1001})
    assert_error(too_many, 413, "PayloadTooLargeError")
    big = t.writer.request("POST", f"/api/v1/transit/encrypt/{name}",
                           json={"plaintext": b64(b"x" * (1024 * 1024 + 1))})
    assert_error(big, 413, "PayloadTooLargeError")
    assert_error(t.writer.request("POST", f"/api/v1/transit/encrypt/{name}", json={"batch_input": {}}),
                 400, "ValidationError")


def test_rotate_rewrap_min_decryption_version(t):
    name = new_key(t)
    v1 = encrypt(t.writer, name, b"old secret")
    r = t.admin.request("POST", f"/api/v1/transit/keys/{name}:rotate")
    assert r.status == 200 and r.body["latest_version"] == 2, r
    v2 = encrypt(t.writer, name, b"new secret")
    assert v2.startswith("vault:v2:")
    assert unb64(decrypt(t.writer, name, v1).body["plaintext"]) == b"old secret"
    rw = t.writer.request("POST", f"/api/v1/transit/rewrap/{name}", json={"ciphertext": v1})
    assert rw.status == 200 and rw.body["key_version"] == 2 and rw.body["ciphertext"].startswith("vault:v2:"), rw
    assert unb64(decrypt(t.writer, name, rw.body["ciphertext"]).body["plaintext"]) == b"old secret"
    bad = t.admin.request("PATCH", f"/api/v1/transit/keys/{name}", json={"min_decryption_version": 3})
    assert_error(bad, 400, "ValidationError")
    p = t.admin.request("PATCH", f"/api/v1/transit/keys/{name}", json={"min_decryption_version": 2})
    assert p.status == 200 and p.body["min_decryption_version"] == 2, p
    e = assert_error(decrypt(t.writer, name, v1), 400, "ValidationError")
    assert e["details"]["reason"] == "version_below_min_decryption_version"
    assert e["details"]["min_decryption_version"] == 2
    assert decrypt(t.writer, name, v2).status == 200


def test_tenant_isolation(transit_server, t):
    other = make_tenant(transit_server, transit_server.client(transit_server.admin_key))
    name = new_key(t)
    assert new_key(other, name) == name  # the same name in tenant B is another key
    ct = encrypt(t.writer, name, b"tenant A only")
    e = assert_error(decrypt(other.writer, name, ct), 400, "ValidationError")
    assert e["details"]["reason"] == "authentication_failed"
    only_a = new_key(t)
    assert_error(other.reader.request("GET", f"/api/v1/transit/keys/{only_a}"), 404, "ResourceNotFoundError")
    assert only_a not in [i["name"] for i in other.reader.request("GET", "/api/v1/transit/keys").body["items"]]


def test_delete_needs_deletion_allowed(t):
    name = new_key(t)
    ct = encrypt(t.writer, name, b"soon noise")
    e = assert_error(t.admin.request("DELETE", f"/api/v1/transit/keys/{name}"), 400, "BusinessRuleViolationError")
    assert e["details"]["reason"] == "deletion_not_allowed"
    assert_error(t.writer.request("DELETE", f"/api/v1/transit/keys/{name}"), 403)
    p = t.admin.request("PATCH", f"/api/v1/transit/keys/{name}", json={"deletion_allowed": True})
    assert p.status == 200 and p.body["deletion_allowed"] is True, p
    assert t.admin.request("DELETE", f"/api/v1/transit/keys/{name}").status == 204
    assert_error(t.reader.request("GET", f"/api/v1/transit/keys/{name}"), 404, "ResourceNotFoundError")
    assert_error(decrypt(t.writer, name, ct), 404, "ResourceNotFoundError")
    # The name starts over as a new, unrelated key: the old ciphertext stays noise.
    new_key(t, name)
    assert_error(decrypt(t.writer, name, ct), 400, "ValidationError")
    assert_error(t.admin.request("PATCH", f"/api/v1/transit/keys/{name}", json={}), 400, "MissingParameterError")


def test_datakey_modes(t):
    name = new_key(t)
    r = t.writer.request("POST", f"/api/v1/transit/datakey/{name}/plaintext")
    assert r.status == 200, r
    key = unb64(r.body["plaintext"])
    assert len(key) == 32 and r.body["ciphertext"].startswith("vault:v1:")
    assert unb64(decrypt(t.writer, name, r.body["ciphertext"]).body["plaintext"]) == key
    w = t.writer.request("POST", f"/api/v1/transit/datakey/{name}/wrapped")
    assert w.status == 200 and "plaintext" not in w.body, w
    assert len(unb64(decrypt(t.writer, name, w.body["ciphertext"]).body["plaintext"])) == 32
    assert_error(t.writer.request("POST", f"/api/v1/transit/datakey/{name}/other"), 400, "ValidationError")


def test_keys_survive_restart(tmp_path):
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    try:
        t = make_tenant(srv, srv.client(srv.admin_key))
        name = new_key(t)
        ct = encrypt(t.writer, name, b"persisted")
        assert t.admin.request("POST", f"/api/v1/transit/keys/{name}:rotate").status == 200
        assert srv.stop() == 0
        srv.start()
        w = srv.client(t.writer.key)
        assert unb64(decrypt(w, name, ct).body["plaintext"]) == b"persisted"
        assert encrypt(w, name, b"x").startswith("vault:v2:")
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# vault encrypt --key / vault decrypt --key

def cli(server, key, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    env.update({"VAULT_URL": server.url, "VAULT_API_KEY": key})
    return subprocess.run([str(VAULT_CLI), *map(str, args)], env=env, capture_output=True, timeout=300)


def cli_rss(server, key, *args):
    """Runs vault; returns (returncode, stderr text, peak RSS in KiB of exactly that child)."""
    import tempfile
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    env.update({"VAULT_URL": server.url, "VAULT_API_KEY": key})
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen([str(VAULT_CLI), *map(str, args)], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return p.returncode, err.read().decode(), usage.ru_maxrss


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_cli_encrypt_decrypt_with_transit_key(transit_server, t, tmp_path):
    name = new_key(t)
    canary = b"canary-cli-" + secrets.token_hex(8).encode()
    plain = tmp_path / "plain.bin"
    with open(plain, "wb") as f:
        for i in range(24):
            f.write(os.urandom(1 << 20))
            f.write(canary)
    enc, out = tmp_path / "plain.bin.venc", tmp_path / "roundtrip.bin"
    rc, err, enc_rss = cli_rss(transit_server, t.keys["writer"], "encrypt", plain, "-o", enc, "--key", name, "-q")
    assert rc == 0, err
    data = enc.read_bytes()
    assert data[:8] == b"VAULTENC" and data[8] == 2 and canary not in data
    assert b"vault:v1:" in data[:400]  # the wrapped data key travels in the header
    rc, err, dec_rss = cli_rss(transit_server, t.keys["writer"], "decrypt", enc, "-o", out, "--key", name, "-q")
    assert rc == 0, err
    assert sha(out) == sha(plain)
    # Constant memory: a 24 MiB file costs far less than its size over the idle baseline.
    _, _, base_rss = cli_rss(transit_server, "", "encrypt", "--help")
    for rss in (enc_rss, dec_rss):
        assert rss - base_rss < 8 * 1024, f"peak RSS {rss} KiB vs {base_rss} KiB baseline: not streaming?"
    # Another tenant's key of the same name cannot open it.
    other = make_tenant(transit_server, transit_server.client(transit_server.admin_key))
    new_key(other, name)
    r = cli(transit_server, other.keys["writer"], "decrypt", enc, "-o", tmp_path / "x.bin", "--key", name)
    assert r.returncode == 7 and not (tmp_path / "x.bin").exists(), r.stderr
    assert b"ValidationError" in r.stderr
    assert canary.decode() not in r.stderr.decode()
    # A modified header (the wrapped key) is refused.
    bad = bytearray(data)
    bad[bad.index(b"vault:v1:") + 12] ^= 1
    (tmp_path / "bad.venc").write_bytes(bytes(bad))
    r = cli(transit_server, t.keys["writer"], "decrypt", tmp_path / "bad.venc", "-o", tmp_path / "y.bin", "--key", name)
    assert r.returncode == 7 and not (tmp_path / "y.bin").exists(), r.stderr
    # The file names its key: another name is refused before asking the server.
    r = cli(transit_server, t.keys["writer"], "decrypt", enc, "-o", tmp_path / "z.bin", "--key", "other-name")
    assert r.returncode != 0 and b"another transit key" in r.stderr and not (tmp_path / "z.bin").exists()
    # A reader may not obtain data keys.
    r = cli(transit_server, t.keys["reader"], "encrypt", plain, "-o", tmp_path / "r.venc", "--key", name)
    assert r.returncode == 4 and not (tmp_path / "r.venc").exists(), r.stderr
    # After a rotation the file still decrypts (its data key names version 1).
    assert t.admin.request("POST", f"/api/v1/transit/keys/{name}:rotate").status == 200
    out2 = tmp_path / "again.bin"
    assert cli(transit_server, t.keys["writer"], "decrypt", enc, "-o", out2, "--key", name).returncode == 0
    assert sha(out2) == sha(plain)
    # Key-file files keep working next to transit ones (format version 1).
    keyfile = tmp_path / "k.key"
    assert cli(transit_server, "", "keygen", "-o", keyfile).returncode == 0
    v1 = tmp_path / "v1.venc"
    assert cli(transit_server, "", "encrypt", plain, "-o", v1, "--key-file", keyfile).returncode == 0
    assert v1.read_bytes()[8] == 1
    out3 = tmp_path / "v1.out"
    assert cli(transit_server, "", "decrypt", v1, "-o", out3, "--key-file", keyfile).returncode == 0
    assert sha(out3) == sha(plain)
    # The server never saw or logged the file's plaintext.
    log = transit_server.log_path.read_bytes() + transit_server.err_path.read_bytes()
    assert canary not in log
