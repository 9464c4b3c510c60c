"""Dataset schema `pattern`s run on a linear-time engine: patterns it cannot run are
refused with 400 ValidationError naming the schema pointer, and catastrophic-backtracking
patterns answer promptly on large records (the client timeout bounds the wait; nothing is
timed)."""
import secrets
import time

from vaultlib import assert_error


def create(tenant, schema):
    return tenant.writer.request("POST", "/api/v1/datasets",
                                 json={"name": "ds-" + secrets.token_hex(6), "schema": schema})


def test_refused_patterns_name_the_schema_pointer(tenant):
    for pattern, word in [("(){33000}", "repetition"), ("(a)\\1", "back-reference"),
                          ("a(?=b)", "lookahead"), ("(?<!x)y", "lookahead"),
                          ("((a{100}){100}){100}", "")]:
        r = create(tenant, {"type": "object", "properties": {"user": {"properties": {"name": {"pattern": pattern}}}}})
        e = assert_error(r, 400, "ValidationError")
        assert e["details"]["pointer"] == "/properties/user/properties/name/pattern", e
        assert e["details"]["keyword"] == "pattern", e
        assert word in e["message"], e
    # PATCH refuses them the same way.
    ok = create(tenant, {"type": "object"})
    assert ok.status == 201, ok
    r = tenant.writer.request("PATCH", f"/api/v1/datasets/{ok.body['id']}",
                              json={"schema": {"properties": {"s": {"pattern": "(a+)\\1"}}}})
    e = assert_error(r, 400, "ValidationError")
    assert e["details"]["pointer"] == "/properties/s/pattern", e


def test_pathological_patterns_answer_promptly_on_large_records(tenant):
    schema = {"type": "object", "properties": {
        "s": {"pattern": "(a+)+$"},            # exponential with backtracking
        "t": {"pattern": "^(a|aa)+$"},
        "u": {"pattern": "(.*a){20}"}}}
    r = create(tenant, schema)
    assert r.status == 201, r
    base = f"/api/v1/datasets/{r.body['id']}/records"
    big = "a" * 1_000_000
    started = time.monotonic()
    bad = tenant.writer.request("POST", base, json={"s": big + "!"})
    e = assert_error(bad, 400, "SchemaValidationError")
    assert e["details"]["field"] == "/s" and e["details"]["keyword"] == "pattern", e
    assert big[:64] not in bad.body["error"]["message"]  # the value is never echoed
    good = tenant.writer.request("POST", base, json={"s": big, "t": big, "u": big})
    assert good.status == 201, good
    bad_t = tenant.writer.request("POST", base, json={"t": big + "b"})
    assert_error(bad_t, 400, "SchemaValidationError")
    print(f"three 1 MB validations: {time.monotonic() - started:.2f}s")
