"""Red-team regressions (issue 8): the value checked is the value stored
(duplicate JSON keys refused on every write path), object keys are scanned
and anonymized, role edges (dataset delete, permission grants, the last
platform key), tags holding the old storage separator."""
import json
import secrets

from vaultlib import assert_error, create_key, import_jsonl, metadata_rows, new_dataset, settled

SSN = "536-22-8726"
EMAIL = "jane.doe@example.com"
DUP = ('{"note":"my ssn is %s","note":"ok"}' % SSN).encode()
JSON = {"Content-Type": "application/json"}


def rec_path(ds, rid=None):
    base = f"/api/v1/datasets/{ds['id']}/records"
    return base if rid is None else f"{base}/{rid}"


def export_text(client, ds, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.request("GET", rec_path(ds) + ":export" + (f"?{q}" if q else ""))
    assert r.status == 200, r
    return r.body.decode() if isinstance(r.body, (bytes, bytearray)) else r.body


def assert_duplicate(resp, pointer):
    assert_error(resp, 400, "ValidationError")
    details = resp.body["error"]["details"]
    assert details["pointer"] == pointer, details
    assert SSN not in json.dumps(resp.body) and EMAIL not in json.dumps(resp.body)


def assert_nothing_stored(client, ds):
    assert client.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] == 0
    assert SSN not in export_text(client, ds)


# ------------------------------------------------------------ duplicate keys

def test_duplicate_keys_are_refused_on_every_write_path(tenant):
    for policy in ({"action": "reject"}, {"action": "anonymize"}, {"action": "flag"}):
        ds = new_dataset(tenant.admin, pii_policy=policy)
        w = tenant.writer
        assert_duplicate(w.request("POST", rec_path(ds), body=DUP, headers=JSON), "/note")
        assert_duplicate(w.request("PUT", rec_path(ds, "r1"), body=DUP, headers=JSON), "/note")
        batch = b'{"records":[{"a":1},' + DUP + b']}'
        assert_duplicate(w.request("POST", rec_path(ds) + ":batch", body=batch, headers=JSON), "/records/1/note")
        imp = import_jsonl(w, ds["id"], b'{"a":1}\n' + DUP + b"\n")
        assert imp.status == 200, imp
        assert imp.body["imported"] == 1 and imp.body["failed"] == 1, imp.body
        err = imp.body["errors"][0]
        assert err["line"] == 2 and err["type"] == "ValidationError", err
        assert err["details"]["pointer"] == "/note", err
        assert SSN not in json.dumps(imp.body)
        assert w.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] == 1
        for view in ({}, {"view": "anonymized"}):
            assert SSN not in export_text(tenant.reader, ds, **view)


def test_duplicate_keys_nested_and_in_schema_checked_fields(tenant):
    ds = new_dataset(tenant.admin, schema={"type": "object", "properties": {"age": {"type": "integer"}}})
    r = tenant.writer.request("POST", rec_path(ds), body=b'{"age":"<script>","age":5}', headers=JSON)
    assert_duplicate(r, "/age")
    nested = b'{"a":[{"b":1},{"c":{"x":1,"x":2}}]}'
    assert_duplicate(tenant.writer.request("POST", rec_path(ds), body=nested, headers=JSON), "/a/1/c/x")
    # Keys that are data are never echoed: the pointer shows "*".
    hidden = ('{"%s":1,"%s":2}' % (EMAIL, EMAIL)).encode()
    assert_duplicate(tenant.writer.request("POST", rec_path(ds), body=hidden, headers=JSON), "/*")
    # The same key in sibling objects is fine.
    ok = tenant.writer.request("POST", rec_path(ds), body=b'{"age":5,"o":{"age":6}}', headers=JSON)
    assert ok.status == 201, ok
    # Request bodies other than records are strict too (a dataset definition).
    d = tenant.writer.request("POST", "/api/v1/datasets",
                              body=b'{"name":"dup-a","name":"dup-b"}', headers=JSON)
    assert_error(d, 400, "ValidationError")
    assert d.body["error"]["details"]["key"] == "name"


def test_idempotency_fingerprints_are_keyed(server, tenant):
    """A bare SHA-256 of a small record body in the idempotency table could be
    brute-forced from a copy of meta.db: it is an HMAC under a tenant key."""
    import hashlib
    ds = new_dataset(tenant.writer)
    k = "fp-" + secrets.token_hex(8)
    body = b'{"ssn":"536-22-8726"}'
    r = tenant.writer.request("POST", rec_path(ds), body=body, headers={"Idempotency-Key": k, **JSON})
    assert r.status == 201, r
    again = tenant.writer.request("POST", rec_path(ds), body=body, headers={"Idempotency-Key": k, **JSON})
    assert again.status == 201 and again.header("Idempotency-Replayed") == "true"
    other = tenant.writer.request("POST", rec_path(ds), body=b'{"ssn":"536-22-8727"}',
                                  headers={"Idempotency-Key": k, **JSON})
    assert_error(other, 422, "IdempotencyKeyReuseError")
    ((stored,),) = metadata_rows(server.data_dir, "SELECT request_hash FROM idempotency WHERE key=?", (k,))
    bare = hashlib.sha256(b"POST\n" + rec_path(ds).encode() + b"\n" + body).hexdigest()
    assert stored.startswith("hmac-sha256:v1:") and bare not in stored, stored


def test_duplicate_keys_and_idempotency_replays(tenant):
    ds = new_dataset(tenant.admin, pii_policy={"action": "reject"})
    key = {"Idempotency-Key": "dup-" + secrets.token_hex(8), **JSON}
    first = tenant.writer.request("POST", rec_path(ds), body=DUP, headers=key)
    assert_duplicate(first, "/note")
    again = tenant.writer.request("POST", rec_path(ds), body=DUP, headers=key)
    assert_duplicate(again, "/note")
    # A clean body under a used key, then the duplicate under that key: never
    # a replayed 201 for the smuggling body.
    key2 = {"Idempotency-Key": "dup-" + secrets.token_hex(8), **JSON}
    ok = tenant.writer.request("POST", rec_path(ds), body=b'{"note":"ok"}', headers=key2)
    assert ok.status == 201, ok
    smuggle = tenant.writer.request("POST", rec_path(ds), body=DUP, headers=key2)
    assert smuggle.status in (400, 422) and smuggle.status != 201, smuggle
    assert tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] == 1


# ------------------------------------------------------------ keys are data

KEYED = {EMAIL: True, "ssn " + SSN: 1, "n": {"contact " + EMAIL: "x"}}


def test_keys_are_scanned_by_reject_and_quarantine(tenant):
    rej = new_dataset(tenant.admin, pii_policy={"action": "reject"})
    r = tenant.writer.request("POST", rec_path(rej), json={EMAIL: True})
    assert_error(r, None, "BusinessRuleViolationError")
    body = json.dumps(r.body)
    assert EMAIL not in body
    assert r.body["error"]["details"]["findings"][0]["in"] == "key"
    assert r.body["error"]["details"]["path"] == "/*"
    assert_nothing_stored(tenant.reader, rej)

    q = new_dataset(tenant.admin, pii_policy={"action": "quarantine"})
    r = tenant.writer.request("POST", rec_path(q), json={"ssn " + SSN: 1})
    assert r.status == 201 and r.body["quarantined"] is True, r
    assert SSN not in json.dumps(r.body["pii"])
    assert r.body["pii"]["entities"]["US_SSN"]["key_paths"] == ["/*"]
    assert_error(tenant.reader.request("GET", rec_path(q, r.body["id"])), 404, "RecordNotFoundError")
    assert SSN not in export_text(tenant.reader, q)


def test_keys_are_anonymized_on_write_and_in_views(tenant):
    an = new_dataset(tenant.admin, pii_policy={"action": "anonymize"})
    r = tenant.writer.request("POST", rec_path(an), json=KEYED)
    assert r.status == 201, r
    stored = json.dumps(r.body["data"])
    assert EMAIL not in stored and SSN not in stored, stored
    assert len(r.body["data"]) == 3 and "n" in r.body["data"] and len(r.body["data"]["n"]) == 1
    assert EMAIL not in export_text(tenant.reader, an) and SSN not in export_text(tenant.reader, an)

    # A flag dataset keeps the raw keys, but its anonymized view and export do not.
    fl = new_dataset(tenant.admin, pii_policy={"action": "flag"})
    r = tenant.writer.request("POST", rec_path(fl), json=KEYED)
    assert r.status == 201 and r.body["data"] == KEYED
    v = tenant.reader.request("GET", rec_path(fl, r.body["id"]) + "?view=anonymized")
    assert v.status == 200
    assert EMAIL not in json.dumps(v.body) and SSN not in json.dumps(v.body)
    assert EMAIL not in export_text(tenant.reader, fl, view="anonymized")


def test_anonymized_keys_that_collide_get_a_stable_suffix(tenant):
    ds = new_dataset(tenant.admin, pii_policy={"action": "anonymize", "default": {"operator": "replace"}})
    other = "john.smith@example.org"
    doc = {EMAIL: 1, other: 2, "keep": 3}
    r = tenant.writer.request("POST", rec_path(ds), json=doc)
    assert r.status == 201, r
    keys = list(r.body["data"].keys())
    assert len(keys) == 3 and keys[2] == "keep", keys
    assert keys[1] == keys[0] + "_2", keys  # same replacement, second one suffixed
    assert [r.body["data"][k] for k in keys] == [1, 2, 3]
    again = tenant.writer.request("POST", rec_path(ds), json=doc)
    assert list(again.body["data"].keys()) == keys


def test_pii_anonymize_endpoint_rewrites_keys(tenant):
    r = tenant.writer.request("POST", "/api/v1/pii/anonymize", json={"json": {EMAIL: "x", "k": EMAIL}})
    assert r.status == 200, r
    assert EMAIL not in json.dumps(r.body)
    assert len(r.body["json"]) == 2 and "k" in r.body["json"]
    assert r.body["findings"]["entities"]["EMAIL_ADDRESS"]["key_paths"] == ["/*"]


# ------------------------------------------------------------ role edges

def test_only_admins_delete_datasets(tenant):
    ds = new_dataset(tenant.writer)
    assert_error(tenant.writer.request("DELETE", f"/api/v1/datasets/{ds['id']}"), 403, "AuthorizationError")
    assert tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}").status == 200
    assert tenant.admin.request("DELETE", f"/api/v1/datasets/{ds['id']}").status == 204


def test_only_the_platform_admin_grants_permissions(server, admin, tenant):
    own = tenant.admin.request("POST", "/api/v1/api-keys",
                               json={"name": "self-grant", "role": "admin", "permissions": ["pii:detokenize"]})
    assert_error(own, 403, "AuthorizationError")
    names = {k["name"] for k in tenant.admin.request("GET", "/api/v1/api-keys").body["items"]}
    assert "self-grant" not in names
    ok = admin.request("POST", "/api/v1/api-keys", json={"name": "granted", "role": "reader",
                                                         "permissions": ["pii:detokenize"], "tenant_id": tenant.id})
    assert ok.status == 201 and ok.body["permissions"] == ["pii:detokenize"], ok


def test_the_last_platform_admin_key_cannot_be_revoked(server, admin):
    keys = admin.request("GET", "/api/v1/api-keys").body["items"]
    active_admins = [k for k in keys if k["role"] == "admin" and not k.get("revoked")]
    assert len(active_admins) == 1, keys
    r = admin.request("DELETE", f"/api/v1/api-keys/{active_admins[0]['id']}")
    assert_error(r, 409, "ConflictError")
    assert admin.request("GET", "/api/v1/tenants").status == 200
    # With a second platform admin key, the first can go.
    second = create_key(admin, None, "admin", name="platform-2")
    c2 = server.client(second["key"])
    assert c2.request("DELETE", f"/api/v1/api-keys/{active_admins[0]['id']}").status == 204
    assert_error(settled(lambda: admin.request("GET", "/api/v1/tenants"), lambda r: r.status == 401), 401,
                 "AuthenticationError")
    assert_error(c2.request("DELETE", f"/api/v1/api-keys/{second['id']}"), 409, "ConflictError")
    assert c2.request("GET", "/api/v1/tenants").status == 200
    admin.key = second["key"]  # later tests in this module use the admin fixture


# ------------------------------------------------------------ tags

def test_tags_holding_the_old_separator_round_trip(tenant):
    tag = "a\u001fb"
    ds = new_dataset(tenant.writer, tags=[tag, "plain"])
    assert ds["tags"] == [tag, "plain"], ds
    g = tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}")
    assert g.body["tags"] == [tag, "plain"]
    listed = tenant.reader.get_all("/api/v1/datasets?tag=a%1Fb")
    assert ds["id"] in {d["id"] for d in listed}
    assert ds["id"] not in {d["id"] for d in tenant.reader.get_all("/api/v1/datasets?tag=a")}
    assert ds["id"] not in {d["id"] for d in tenant.reader.get_all("/api/v1/datasets?tag=b")}
