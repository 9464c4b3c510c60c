"""PII on the server: every policy action on every write path (single, PUT,
batch, import), findings summaries, quarantine review and release,
view=anonymized reads and exports, /api/v1/pii/{detect,anonymize,detokenize,
entities}, permissions, and the privacy metrics."""
import json
import re
import secrets

import pytest

from vaultlib import assert_error, create_key, import_jsonl, new_dataset

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
SSN = "536-22-8714"

CLEAN = {"prompt": "Summarize the meeting notes.", "answer": "The team agreed on the plan."}
PII = {"prompt": "Contact me at " + EMAIL, "user": {"email": EMAIL, "ssn": SSN}, "n": 1}


def rec_path(ds, rid=None):
    base = f"/api/v1/datasets/{ds['id']}/records"
    return base if rid is None else f"{base}/{rid}"


def policy_dataset(tenant, policy):
    return new_dataset(tenant.admin, pii_policy=policy)


def export_lines(client, ds, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.request("GET", rec_path(ds) + ":export" + (f"?{q}" if q else ""))
    assert r.status == 200, r
    text = r.body.decode() if isinstance(r.body, (bytes, bytearray)) else r.body
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_flag_stores_as_is_with_a_findings_summary(tenant):
    ds = policy_dataset(tenant, {"action": "flag"})
    assert ds["pii_policy"]["action"] == "flag"
    r = tenant.writer.request("POST", rec_path(ds), json=PII)
    assert r.status == 201, r
    assert r.body["data"] == PII and r.body["quarantined"] is False
    summary = r.body["pii"]
    assert summary["entities"]["EMAIL_ADDRESS"]["count"] == 2
    assert set(summary["entities"]["EMAIL_ADDRESS"]["paths"]) == {"/prompt", "/user/email"}
    assert summary["entities"]["US_SSN"]["paths"] == ["/user/ssn"]
    # The summary never carries the values.
    assert EMAIL not in json.dumps(summary) and SSN not in json.dumps(summary)
    g = tenant.reader.request("GET", rec_path(ds, r.body["id"]))
    assert g.status == 200 and g.body["data"] == PII and g.body["pii"] == summary
    clean = tenant.writer.request("POST", rec_path(ds), json=CLEAN)
    assert clean.status == 201 and clean.body["pii"] is None


def test_default_policy_is_flag(tenant, dataset):
    assert dataset["pii_policy"] is None
    r = tenant.writer.request("POST", rec_path(dataset), json=PII)
    assert r.status == 201 and r.body["data"] == PII and r.body["pii"]["total"] >= 3


def test_reject_refuses_with_entity_and_path_and_stores_nothing(tenant):
    ds = policy_dataset(tenant, {"action": "reject", "entities": ["US_SSN"]})
    r = tenant.writer.request("POST", rec_path(ds), json=PII)
    assert_error(r, 400, "BusinessRuleViolationError")
    err = r.body["error"]
    assert err["details"]["entity"] == "US_SSN" and err["details"]["path"] == "/user/ssn"
    assert SSN not in json.dumps(r.body)
    # Only US_SSN is in scope: a record with just an email passes.
    ok = tenant.writer.request("POST", rec_path(ds), json={"email": EMAIL})
    assert ok.status == 201, ok
    # PUT and batch refuse too; the batch is all-or-nothing.
    put = tenant.writer.request("PUT", rec_path(ds, "client-1"), json=PII)
    assert_error(put, 400, "BusinessRuleViolationError")
    b = tenant.writer.request("POST", rec_path(ds) + ":batch", json={"records": [CLEAN, PII]})
    assert_error(b, 400, "BusinessRuleViolationError")
    assert b.body["error"]["details"]["index"] == 1
    # Import reports the line and stores the others.
    body = (json.dumps(CLEAN) + "\n" + json.dumps(PII) + "\n" + json.dumps(CLEAN) + "\n").encode()
    rep = import_jsonl(tenant.writer, ds["id"], body)
    assert rep.status == 200, rep
    assert rep.body["imported"] == 2 and rep.body["failed"] == 1
    assert rep.body["errors"][0]["line"] == 2 and rep.body["errors"][0]["type"] == "BusinessRuleViolationError"
    items = tenant.reader.get_all(rec_path(ds))
    assert len(items) == 3 and all(SSN not in json.dumps(i["data"]) for i in items)


def test_quarantine_hides_until_an_admin_releases(tenant):
    ds = policy_dataset(tenant, {"action": "quarantine"})
    q = tenant.writer.request("POST", rec_path(ds), json=PII)
    assert q.status == 201 and q.body["quarantined"] is True
    c = tenant.writer.request("POST", rec_path(ds), json=CLEAN)
    assert c.status == 201 and c.body["quarantined"] is False
    rid = q.body["id"]
    # Hidden from reads, lists and exports.
    g = tenant.reader.request("GET", rec_path(ds, rid))
    assert_error(g, 404, "RecordNotFoundError")
    assert g.body["error"]["details"]["quarantined"] is True
    assert [i["id"] for i in tenant.reader.get_all(rec_path(ds))] == [c.body["id"]]
    assert [line for line in export_lines(tenant.reader, ds)] == [CLEAN]
    # The review queue is for admins.
    assert_error(tenant.writer.request("GET", f"/api/v1/datasets/{ds['id']}/quarantine"), 403, "AuthorizationError")
    queue = tenant.admin.request("GET", f"/api/v1/datasets/{ds['id']}/quarantine")
    assert queue.status == 200 and [i["id"] for i in queue.body["items"]] == [rid]
    assert queue.body["items"][0]["data"] == PII and queue.body["items"][0]["pii"]["total"] >= 3
    assert tenant.admin.request("GET", rec_path(ds, rid) + "?include=quarantined").status == 200
    assert_error(tenant.reader.request("GET", rec_path(ds, rid) + "?include=quarantined"), 403, "AuthorizationError")
    # A version taken now does not contain it; release makes it visible.
    v = tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "before release"})
    assert v.status == 201 and v.body["record_count"] == 1
    assert_error(tenant.writer.request("POST", rec_path(ds, rid) + ":release"), 403, "AuthorizationError")
    rel = tenant.admin.request("POST", rec_path(ds, rid) + ":release")
    assert rel.status == 200 and rel.body["quarantined"] is False and rel.body["revision"] == 2
    assert rel.body["data"] == PII
    assert_error(tenant.admin.request("POST", rec_path(ds, rid) + ":release"), 409, "ConflictError")
    assert tenant.reader.request("GET", rec_path(ds, rid)).body["data"] == PII
    assert len(tenant.reader.get_all(rec_path(ds))) == 2
    assert len(export_lines(tenant.reader, ds, version=v.body["number"])) == 1
    assert tenant.admin.request("GET", f"/api/v1/datasets/{ds['id']}/quarantine").body["items"] == []


def test_batch_and_import_quarantine_hides_every_pii_line(tenant):
    ds = policy_dataset(tenant, {"action": "quarantine"})
    # 99 lines: the import prepares blocks of 64+ lines on several threads.
    lines = [({"i": i, "note": f"mail person.{i}@example.com"} if i % 3 == 0 else {"i": i, "note": "fine"})
             for i in range(99)]
    rep = import_jsonl(tenant.writer, ds["id"], "".join(json.dumps(x) + "\n" for x in lines).encode())
    assert rep.status == 200 and rep.body["imported"] == 99 and rep.body["failed"] == 0, rep
    b = tenant.writer.request("POST", rec_path(ds) + ":batch",
                              json={"records": [CLEAN, {"i": 1000, "mail": EMAIL}, CLEAN]})
    assert b.status == 201, b
    visible = tenant.reader.get_all(rec_path(ds))
    assert sorted(x["data"].get("i", -1) for x in visible) == [-1, -1] + [i for i in range(99) if i % 3]
    assert "@example.com" not in json.dumps(visible)
    text = json.dumps(export_lines(tenant.reader, ds))
    assert "@example.com" not in text and EMAIL not in text
    queue = tenant.admin.get_all(f"/api/v1/datasets/{ds['id']}/quarantine")
    assert sorted(x["data"]["i"] for x in queue) == [i for i in range(99) if i % 3 == 0] + [1000]
    assert all(x["quarantined"] for x in queue)


def test_batch_and_import_anonymize_exactly_like_single_writes(tenant):
    """tokenize and pseudonymize on the multi-threaded import path (128
    lines), on :batch and on single writes give the same records, and no raw
    value is stored anywhere."""
    emails = [f"person.{i}@example.com" for i in range(16)]
    ssns = [f"536-22-{8700 + i:04d}" for i in range(8)]
    recs = [{"i": i, "email": emails[i % 16], "ssn": ssns[i % 8], "note": "write to " + emails[(i * 7) % 16]}
            for i in range(128)]
    policy = {"action": "anonymize", "rules": {"EMAIL_ADDRESS": {"operator": "pseudonymize"},
                                               "US_SSN": {"operator": "tokenize"}}}
    single, batch, imported = (policy_dataset(tenant, policy) for _ in range(3))
    for rec in recs:
        assert tenant.writer.request("POST", rec_path(single), json=rec).status == 201
    assert tenant.writer.request("POST", rec_path(batch) + ":batch", json={"records": recs}).status == 201
    rep = import_jsonl(tenant.writer, imported["id"], "".join(json.dumps(r) + "\n" for r in recs).encode())
    assert rep.status == 200 and rep.body["imported"] == 128, rep

    def stored(ds):
        items = sorted((x["data"] for x in tenant.reader.get_all(rec_path(ds))), key=lambda d: d["i"])
        assert len(items) == 128
        return items

    one, many, streamed = stored(single), stored(batch), stored(imported)
    assert one == many == streamed
    for raw in emails + ssns:
        for ds in (single, batch, imported):
            assert raw not in json.dumps(export_lines(tenant.reader, ds)), raw
    # Consistent: one value, one replacement, wherever it appears.
    by_email = {}
    for rec, out in zip(recs, one):
        assert out["ssn"].startswith("tok_"), out
        assert by_email.setdefault(rec["email"], out["email"]) == out["email"]
    assert len(set(by_email.values())) == 16


def test_anonymize_on_write_stores_only_the_anonymized_record(tenant):
    policy = {"action": "anonymize",
              "rules": {"EMAIL_ADDRESS": {"operator": "pseudonymize"},
                        "US_SSN": {"operator": "mask", "keep_last": 4},
                        "CREDIT_CARD": {"operator": "fpe"}}}
    ds = policy_dataset(tenant, policy)
    rec = {"email": EMAIL, "ssn": SSN, "card": CARD, "note": "mail " + EMAIL}
    r = tenant.writer.request("POST", rec_path(ds), json=rec)
    assert r.status == 201, r
    data = r.body["data"]
    assert EMAIL not in json.dumps(data) and SSN not in json.dumps(data) and CARD not in json.dumps(data)
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", data["email"]), data
    assert data["ssn"].endswith("8714") and data["ssn"].count("*") == 5
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", data["card"]) and data["card"] != CARD
    # Consistent within the tenant: the same email gets the same pseudonym.
    r2 = tenant.writer.request("POST", rec_path(ds), json={"email": EMAIL})
    assert r2.body["data"]["email"] == data["email"]
    stored = tenant.reader.request("GET", rec_path(ds, r.body["id"]))
    assert stored.body["data"] == data
    assert EMAIL not in json.dumps(export_lines(tenant.reader, ds))


def test_view_anonymized_on_reads_and_exports(tenant):
    ds = policy_dataset(tenant, {"action": "flag", "rules": {"US_SSN": {"operator": "redact"}}})
    r = tenant.writer.request("POST", rec_path(ds), json=PII)
    rid = r.body["id"]
    raw = tenant.reader.request("GET", rec_path(ds, rid))
    assert raw.body["data"] == PII
    anon = tenant.reader.request("GET", rec_path(ds, rid) + "?view=anonymized")
    assert anon.status == 200
    text = json.dumps(anon.body["data"])
    assert EMAIL not in text and SSN not in text
    assert anon.body["data"]["user"]["ssn"] == "" and "<EMAIL_ADDRESS>" in anon.body["data"]["prompt"]
    listed = tenant.reader.request("GET", rec_path(ds) + "?view=anonymized").body["items"]
    assert EMAIL not in json.dumps(listed)
    lines = export_lines(tenant.reader, ds, view="anonymized")
    assert len(lines) == 1 and EMAIL not in json.dumps(lines) and SSN not in json.dumps(lines)
    assert_error(tenant.reader.request("GET", rec_path(ds, rid) + "?view=cooked"), 400, "ValidationError")


def test_policy_validation_and_permissions(tenant, dataset):
    bad = tenant.admin.request("POST", "/api/v1/datasets",
                               json={"name": "bad-" + secrets.token_hex(3), "pii_policy": {"action": "shred"}})
    assert_error(bad, 400, "ValidationError")
    assert "action" in bad.body["error"]["message"]
    bad_rule = tenant.admin.request(
        "PATCH", f"/api/v1/datasets/{dataset['id']}",
        json={"pii_policy": {"rules": {"CREDIT_CARD": {"operator": "mask", "keep_last": -1}}}})
    assert_error(bad_rule, 400, "ValidationError")
    # Writers manage datasets but not their PII policy.
    w = tenant.writer.request("PATCH", f"/api/v1/datasets/{dataset['id']}", json={"pii_policy": {"action": "flag"}})
    assert_error(w, 403, "AuthorizationError")
    ok = tenant.admin.request("PATCH", f"/api/v1/datasets/{dataset['id']}",
                              json={"pii_policy": {"action": "reject"}})
    assert ok.status == 200 and ok.body["pii_policy"]["action"] == "reject"
    assert_error(tenant.writer.request("POST", rec_path(dataset), json=PII), 400, "BusinessRuleViolationError")
    back = tenant.admin.request("PATCH", f"/api/v1/datasets/{dataset['id']}", json={"pii_policy": None})
    assert back.status == 200 and back.body["pii_policy"] is None
    assert tenant.writer.request("POST", rec_path(dataset), json=PII).status == 201


def test_detect_text_and_json(tenant):
    text = f"Mail {EMAIL} or card {CARD}."
    r = tenant.reader.request("POST", "/api/v1/pii/detect", json={"text": text})
    assert r.status == 200, r
    found = {(f["entity"], text[f["start"]:f["end"]]) for f in r.body["findings"]}
    assert ("EMAIL_ADDRESS", EMAIL) in found and ("CREDIT_CARD", CARD) in found
    assert EMAIL not in json.dumps(r.body)  # spans only, never the values
    j = tenant.reader.request("POST", "/api/v1/pii/detect",
                              json={"json": {"user": {"ssn": SSN}}, "entities": ["US_SSN"]})
    assert [(f["entity"], f["path"]) for f in j.body["findings"]] == [("US_SSN", "/user/ssn")]
    cp = tenant.reader.request("POST", "/api/v1/pii/detect",
                               json={"text": "é " + EMAIL, "code_point_offsets": True})
    f = cp.body["findings"][0]
    assert f["start"] == 3 and f["cp_start"] == 2
    assert_error(tenant.reader.request("POST", "/api/v1/pii/detect", json={}), 400, "MissingParameterError")
    assert_error(tenant.reader.request("POST", "/api/v1/pii/detect", json={"text": "x", "min_confidence": 2}),
                 400, "ValidationError")
    ents = tenant.reader.request("GET", "/api/v1/pii/entities")
    assert {"EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "AWS_ACCESS_KEY_ID"} <= set(ents.body["items"])


def test_anonymize_endpoint_operators(tenant):
    text = f"Reach {EMAIL}, SSN {SSN}."
    red = tenant.writer.request("POST", "/api/v1/pii/anonymize", json={"text": text, "operator": {"operator": "replace"}})
    assert red.status == 200, red
    assert red.body["text"] == "Reach <EMAIL_ADDRESS>, SSN <US_SSN>."
    h1 = tenant.writer.request("POST", "/api/v1/pii/anonymize", json={"text": EMAIL, "operator": {"operator": "hash"}})
    h2 = tenant.writer.request("POST", "/api/v1/pii/anonymize", json={"text": EMAIL, "operator": {"operator": "hash"}})
    assert re.fullmatch(r"[0-9a-f]{64}", h1.body["text"]) and h1.body["text"] == h2.body["text"]
    j = tenant.writer.request("POST", "/api/v1/pii/anonymize",
                              json={"json": {"u": {"ssn": SSN}}, "policy": {"rules": {"US_SSN": {"operator": "fpe"}}}})
    assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", j.body["json"]["u"]["ssn"]) and j.body["json"]["u"]["ssn"] != SSN
    assert j.body["stats"]["applied"] == 1
    assert_error(tenant.reader.request("POST", "/api/v1/pii/anonymize", json={"text": text}), 403, "AuthorizationError")
    assert_error(tenant.writer.request("POST", "/api/v1/pii/anonymize",
                                       json={"text": text, "operator": {"operator": "scramble"}}), 400, "ValidationError")


def test_hash_is_tenant_scoped(server, admin, tenant):
    from vaultlib import make_tenant
    other = make_tenant(server, admin)
    a = tenant.writer.request("POST", "/api/v1/pii/anonymize", json={"text": EMAIL, "operator": {"operator": "hash"}})
    b = other.writer.request("POST", "/api/v1/pii/anonymize", json={"text": EMAIL, "operator": {"operator": "hash"}})
    assert a.body["text"] != b.body["text"]


def test_tokenize_and_detokenize_needs_its_own_permission(server, admin, tenant):
    r = tenant.writer.request("POST", "/api/v1/pii/anonymize",
                              json={"text": EMAIL, "operator": {"operator": "tokenize"}})
    assert r.status == 200, r
    token = r.body["text"]
    assert token.startswith("tok_") and EMAIL not in token
    again = tenant.writer.request("POST", "/api/v1/pii/anonymize",
                                  json={"text": EMAIL, "operator": {"operator": "tokenize"}})
    assert again.body["text"] == token  # one value, one token
    # Even the tenant admin cannot detokenize without the permission.
    assert_error(tenant.admin.request("POST", "/api/v1/pii/detokenize", json={"token": token}), 403, "AuthorizationError")
    # ... nor grant it to itself: only the platform admin grants permissions.
    own = tenant.admin.request("POST", "/api/v1/api-keys",
                               json={"name": "detok", "role": "admin", "permissions": ["pii:detokenize"]})
    assert_error(own, 403, "AuthorizationError")
    k = admin.request("POST", "/api/v1/api-keys",
                      json={"name": "detok", "role": "reader", "permissions": ["pii:detokenize"],
                            "tenant_id": tenant.id})
    assert k.status == 201 and k.body["permissions"] == ["pii:detokenize"] and k.body["tenant_id"] == tenant.id
    detok = server.client(k.body["key"])
    d = detok.request("POST", "/api/v1/pii/detokenize", json={"token": token})
    assert d.status == 200 and d.body["value"] == EMAIL
    batch = detok.request("POST", "/api/v1/pii/detokenize", json={"tokens": [token, "tok_email_address_nope", 5]})
    res = batch.body["results"]
    assert res[0]["value"] == EMAIL and "error" in res[1] and res[2]["error"]["type"] == "ValidationError"
    # Tokens never cross tenants.
    from vaultlib import make_tenant
    other = make_tenant(server, admin)
    ok = admin.request("POST", "/api/v1/api-keys",
                       json={"name": "detok", "role": "reader", "permissions": ["pii:detokenize"],
                             "tenant_id": other.id})
    assert_error(server.client(ok.body["key"]).request("POST", "/api/v1/pii/detokenize", json={"token": token}),
                 404, "ResourceNotFoundError")
    bad = admin.request("POST", "/api/v1/api-keys", json={"name": "x", "permissions": ["root"]})
    assert_error(bad, 400, "ValidationError")


def test_metrics_and_no_pii_in_logs(server, tenant):
    ds = policy_dataset(tenant, {"action": "reject"})
    tenant.writer.request("POST", rec_path(ds), json=PII)
    assert server.client().request("GET", "/metrics").status == 401  # not public
    text = server.client(server.admin_key).request("GET", "/metrics").body
    if isinstance(text, bytes):
        text = text.decode()
    assert re.search(r'vault_privacy_violations_total\{type="US_SSN",severity="high"\} \d+', text), text[:2000]
    assert re.search(r'vault_anonymization_operations_total\{strategy="[a-z]+",field_type="[A-Z_]+",status="success"\}',
                     text)
    assert "vault_anonymization_duration_seconds_bucket" in text
    assert EMAIL not in text and SSN not in text and tenant.id not in text and ds["id"] not in text
    log = server.stdout_text(this_start_only=False)
    assert EMAIL not in log and SSN not in log and CARD not in log


def test_custom_recognizers_and_default_policy_from_configuration(tmp_path):
    from vaultlib import VaultServer, make_tenant
    rules = tmp_path / "recognizers.yaml"
    rules.write_text("recognizers:\n"
                     "  - name: employee_id\n"
                     "    entity: EMPLOYEE_ID\n"
                     "    patterns: [{regex: 'EMP-[0-9]{6}', score: 0.8}]\n"
                     "    context: [employee]\n")
    key = "vk_e2e_" + secrets.token_hex(16)
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=key,
                      env={"VAULT_PII_RECOGNIZERS": str(rules),
                           "VAULT_PII_DEFAULT_POLICY": '{"action":"reject","entities":["EMPLOYEE_ID"]}'})
    srv.start()
    try:
        t = make_tenant(srv, srv.client(key))
        found = t.reader.request("POST", "/api/v1/pii/detect", json={"text": "employee EMP-123456"})
        assert [f["entity"] for f in found.body["findings"]] == ["EMPLOYEE_ID"]
        assert "EMPLOYEE_ID" in t.reader.request("GET", "/api/v1/pii/entities").body["items"]
        ds = new_dataset(t.writer)
        r = t.writer.request("POST", rec_path(ds), json={"who": "EMP-123456"})
        assert_error(r, 400, "BusinessRuleViolationError")
        assert r.body["error"]["details"]["entity"] == "EMPLOYEE_ID"
    finally:
        assert srv.stop() == 0
    # A bad rules file stops start-up with exit code 2 and names the setting.
    rules.write_text("recognizers:\n  - name: x\n    entity: lower\n    patterns: ['a']\n")
    bad = VaultServer(tmp_path / "data2", tmp_path / "bad.log", env={"VAULT_PII_RECOGNIZERS": str(rules)})
    proc = bad.launch()
    assert proc.wait(timeout=60) == 2
    assert "pii.recognizers" in bad.err_path.read_text()
