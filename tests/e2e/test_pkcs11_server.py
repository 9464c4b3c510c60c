"""vaultd with its tenant KEKs in an HSM (SoftHSM2 over PKCS#11): records,
idempotency replays, transit keys and PII tokens work end to end, a KEK
rotation job runs to completion inside the token, everything reads back after
a restart, and no local keyring is created."""
import base64
import secrets
import subprocess

from vaultlib import VaultServer, make_tenant, new_dataset, wait_job

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def init_token(tmp_path, label, pin):
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "1234",
                    "--pin", pin], check=True, capture_output=True, env={"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"})
    return conf


def test_server_on_softhsm(tmp_path):
    pin = secrets.token_hex(4)
    conf = init_token(tmp_path, "vault-e2e", pin)
    key = "vk_e2e_" + secrets.token_hex(16)
    canary = "hsm-canary-" + secrets.token_hex(8)
    env = {"SOFTHSM2_CONF": str(conf), "VAULT_HSM_PIN": pin,
           "VAULT_KEY_PROVIDER": f"pkcs11://{MODULE}?token=vault-e2e&pin_env=VAULT_HSM_PIN"}
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=key, env=env)
    srv.start()
    try:
        t = make_tenant(srv, srv.client(key))
        ds = new_dataset(t.writer)
        base = f"/api/v1/datasets/{ds['id']}/records"
        ids = []
        for i in range(20):
            r = t.writer.request("POST", base, json={"i": i, "secret": canary})
            assert r.status == 201, r
            ids.append(r.body["id"])
        idem = t.writer.request("POST", base, json={"i": 99}, headers={"Idempotency-Key": "k-1"})
        assert idem.status == 201
        assert t.admin.request("POST", "/api/v1/transit/keys", json={"name": "pipeline"}).status == 201
        ct = t.writer.request("POST", "/api/v1/transit/encrypt/pipeline",
                              json={"plaintext": base64.b64encode(canary.encode()).decode()})
        assert ct.status == 200, ct
        tok = t.writer.request("POST", "/api/v1/pii/anonymize",
                               json={"text": "jane.doe@example.com", "operator": {"operator": "tokenize"}})
        assert tok.status == 200 and tok.body["text"].startswith("tok_")
        token = tok.body["text"]
        pseudo = t.writer.request("POST", "/api/v1/pii/anonymize",
                                  json={"text": "jane.doe@example.com", "operator": {"operator": "pseudonymize"}})
        assert pseudo.status == 200 and "jane.doe" not in pseudo.body["text"], pseudo
        grant = srv.client(key).request("POST", "/api/v1/api-keys",
                                        json={"name": "detok", "role": "reader", "tenant_id": t.id,
                                              "permissions": ["pii:detokenize"]})
        assert grant.status == 201, grant
        detok = srv.client(grant.body["key"])

        def token_and_pseudonym_still_work():
            d = detok.request("POST", "/api/v1/pii/detokenize", json={"token": token})
            assert d.status == 200 and d.body["value"] == "jane.doe@example.com", d
            p = t.writer.request("POST", "/api/v1/pii/anonymize",
                                 json={"text": "jane.doe@example.com", "operator": {"operator": "pseudonymize"}})
            assert p.status == 200 and p.body["text"] == pseudo.body["text"], (p, pseudo)

        token_and_pseudonym_still_work()

        keys = t.admin.request("GET", "/api/v1/keys")
        assert keys.status == 200 and keys.body["kek"]["provider"] == "pkcs11", keys
        job = t.admin.request("POST", "/api/v1/keys/kek:rotate")
        assert job.status == 202, job
        done = wait_job(t.admin, job.body["id"])
        assert done["state"] == "succeeded" and done["done"] == done["total"], done
        assert t.admin.request("GET", "/api/v1/keys").body["kek"]["versions"] == [2]
        # Everything sealed under the retired version was rewrapped.
        for rid in ids:
            g = t.reader.request("GET", f"{base}/{rid}")
            assert g.status == 200 and g.body["data"]["secret"] == canary
        again = t.writer.request("POST", base, json={"i": 99}, headers={"Idempotency-Key": "k-1"})
        assert again.status == 201 and again.body["id"] == idem.body["id"]
        dec = t.writer.request("POST", "/api/v1/transit/decrypt/pipeline", json={"ciphertext": ct.body["ciphertext"]})
        assert dec.status == 200 and base64.b64decode(dec.body["plaintext"]).decode() == canary
        token_and_pseudonym_still_work()  # across the KEK rotation
        assert srv.stop() == 0

        srv.start()
        for rid in ids:
            assert t.reader.request("GET", f"{base}/{rid}").body["data"]["secret"] == canary
        assert t.writer.request("POST", "/api/v1/transit/decrypt/pipeline",
                                json={"ciphertext": ct.body["ciphertext"]}).status == 200
        token_and_pseudonym_still_work()  # and across the restart
    finally:
        code = srv.stop()
    assert code == 0
    # The KEKs live in the token: no local keyring, and the canary is nowhere in the data dir.
    assert not (tmp_path / "data" / "keys" / "keyring.sealed").exists()
    for f in (tmp_path / "data").rglob("*"):
        if f.is_file():
            assert canary.encode() not in f.read_bytes(), f
    assert canary not in srv.stdout_text(this_start_only=False)
    assert pin not in srv.stdout_text(this_start_only=False)
