"""Records: CRUD, If-Match, pagination, batch (all or nothing, limit), schema validation."""
import re

from vaultlib import assert_error, new_dataset

REC_RE = re.compile(r"^rec_[0-9A-Z]{26}$")

SCHEMA = {
    "type": "object",
    "required": ["user"],
    "properties": {
        "user": {
            "type": "object",
            "required": ["age"],
            "properties": {
                "age": {"type": "integer", "minimum": 0},
                "name": {"type": "string", "maxLength": 10},
            },
        },
        "kind": {"enum": ["a", "b"]},
    },
}


def rec_path(ds, rid=None):
    base = f"/api/v1/datasets/{ds['id']}/records"
    return base if rid is None else f"{base}/{rid}"


def test_create_get_replace_delete(tenant, dataset):
    data = {"prompt": "hi", "answer": "hello", "n": [1, 2, {"x": None}]}
    r = tenant.writer.request("POST", rec_path(dataset), json=data)
    assert r.status == 201, r
    rec = r.body
    assert REC_RE.match(rec["id"]) and rec["revision"] == 1 and rec["data"] == data
    assert {"created_at", "updated_at"} <= set(rec)
    assert r.header("ETag") == '"1"'

    g = tenant.reader.request("GET", rec_path(dataset, rec["id"]))
    assert g.status == 200 and g.body["data"] == data and g.header("ETag") == '"1"'

    p = tenant.writer.request("PUT", rec_path(dataset, rec["id"]), json={"v": 2}, headers={"If-Match": '"1"'})
    assert p.status == 200, p
    assert p.body["revision"] == 2 and p.body["data"] == {"v": 2} and p.header("ETag") == '"2"'

    stale = tenant.writer.request("PUT", rec_path(dataset, rec["id"]), json={"v": 3}, headers={"If-Match": '"1"'})
    assert_error(stale, 409, "ConcurrentModificationError")
    assert tenant.reader.request("GET", rec_path(dataset, rec["id"])).body["data"] == {"v": 2}

    # PUT without If-Match replaces unconditionally
    p3 = tenant.writer.request("PUT", rec_path(dataset, rec["id"]), json={"v": 3})
    assert p3.status == 200 and p3.body["revision"] == 3

    d_stale = tenant.writer.request("DELETE", rec_path(dataset, rec["id"]), headers={"If-Match": '"2"'})
    assert_error(d_stale, 409, "ConcurrentModificationError")
    d = tenant.writer.request("DELETE", rec_path(dataset, rec["id"]), headers={"If-Match": '"3"'})
    assert d.status == 204, d
    assert_error(tenant.reader.request("GET", rec_path(dataset, rec["id"])), 404, "RecordNotFoundError")
    assert_error(tenant.writer.request("DELETE", rec_path(dataset, rec["id"])), 404, "RecordNotFoundError")


def test_put_creates_with_given_id(tenant, dataset):
    rid = "rec_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    r = tenant.writer.request("PUT", rec_path(dataset, rid), json={"new": True})
    assert r.status == 201, r
    assert r.body["id"] == rid and r.body["revision"] == 1
    assert tenant.reader.request("GET", rec_path(dataset, rid)).body["data"] == {"new": True}


def test_non_object_records_rejected(tenant, dataset):
    for body in (b"[1,2]", b"42", b'"s"', b"null"):
        r = tenant.writer.request("POST", rec_path(dataset), body=body, headers={"Content-Type": "application/json"})
        assert_error(r, 400, "ValidationError")  # valid JSON, not an object (docs/api.md)
    for body in (b"{", b'{"a":1,}', b"{} {}"):
        r = tenant.writer.request("POST", rec_path(dataset), body=body, headers={"Content-Type": "application/json"})
        assert_error(r, 400, "MalformedRequestError")
    assert tenant.reader.request("GET", f"/api/v1/datasets/{dataset['id']}/stats").body["records"] == 0


def test_list_pagination(tenant, dataset):
    ids = []
    for i in range(25):
        r = tenant.writer.request("POST", rec_path(dataset), json={"i": i})
        assert r.status == 201
        ids.append(r.body["id"])
    seen, cursor, sizes = [], None, []
    while True:
        r = tenant.reader.request("GET", rec_path(dataset) + "?limit=10" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, r
        sizes.append(len(r.body["items"]))
        seen += [x["id"] for x in r.body["items"]]
        cursor = r.body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert max(sizes) <= 10 and len(sizes) >= 3
    default = tenant.reader.request("GET", rec_path(dataset))
    assert len(default.body["items"]) == 25 and default.body["next_cursor"] is None
    assert_error(tenant.reader.request("GET", rec_path(dataset) + "?limit=1001"), 400, "ValidationError")
    assert_error(tenant.reader.request("GET", rec_path(dataset) + "?limit=0"), 400, "ValidationError")


def test_batch_create(tenant, dataset):
    recs = [{"i": i, "s": "x" * i} for i in range(50)]
    r = tenant.writer.request("POST", rec_path(dataset) + ":batch", json={"records": recs})
    assert r.status == 201, r
    assert r.body["count"] == 50 and len(r.body["ids"]) == 50 and len(set(r.body["ids"])) == 50
    got = tenant.reader.request("GET", rec_path(dataset, r.body["ids"][7]))
    assert got.body["data"] == recs[7]


def test_batch_is_all_or_nothing(tenant):
    ds = new_dataset(tenant.writer, schema=SCHEMA)
    good = [{"user": {"age": i}} for i in range(20)]
    bad = good[:10] + [{"user": {"age": -1}}] + good[10:]
    r = tenant.writer.request("POST", rec_path(ds) + ":batch", json={"records": bad})
    assert_error(r, 400, "SchemaValidationError")
    stats = tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body
    assert stats["records"] == 0
    assert tenant.reader.request("GET", rec_path(ds)).body["items"] == []
    # a non-object element fails the whole batch as well
    r = tenant.writer.request("POST", rec_path(ds) + ":batch", json={"records": good + [7]})
    assert_error(r, 400, {"ValidationError", "MalformedRequestError", "SchemaValidationError"})
    assert tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] == 0
    ok = tenant.writer.request("POST", rec_path(ds) + ":batch", json={"records": good})
    assert ok.status == 201 and ok.body["count"] == 20


def test_batch_limit(tenant, dataset):
    too_many = [{"i": i} for i in range(10001)]
    r = tenant.writer.request("POST", rec_path(dataset) + ":batch", json={"records": too_many})
    assert_error(r, 413, "PayloadTooLargeError")
    assert tenant.reader.request("GET", f"/api/v1/datasets/{dataset['id']}/stats").body["records"] == 0
    r = tenant.writer.request("POST", rec_path(dataset) + ":batch", json={"records": too_many[:10000]})
    assert r.status == 201 and r.body["count"] == 10000, r
    assert tenant.reader.request("GET", f"/api/v1/datasets/{dataset['id']}/stats").body["records"] == 10000


def test_batch_body_shape(tenant, dataset):
    for body in ({"records": "no"}, {"nope": []}, [{"a": 1}]):
        r = tenant.writer.request("POST", rec_path(dataset) + ":batch", json=body)
        assert_error(r, 400, {"ValidationError", "MalformedRequestError", "MissingParameterError"})


def test_schema_validation_names_the_field(tenant):
    ds = new_dataset(tenant.writer, schema=SCHEMA)
    assert ds["schema"] == SCHEMA
    ok = tenant.writer.request("POST", rec_path(ds), json={"user": {"age": 3, "name": "bo"}, "kind": "a"})
    assert ok.status == 201, ok

    cases = [
        ({"user": {"age": "x"}}, "/user/age"),
        ({"user": {"age": 1.5}}, "/user/age"),
        ({"user": {"age": -1}}, "/user/age"),
        ({"user": {"age": 1, "name": "much too long"}}, "/user/name"),
        ({"user": {"age": 1}, "kind": "c"}, "/kind"),
    ]
    for data, field in cases:
        r = tenant.writer.request("POST", rec_path(ds), json=data)
        e = assert_error(r, 400, "SchemaValidationError")
        assert e["details"]["field"] == field, (data, e)
        assert isinstance(e["details"]["reason"], str) and e["details"]["reason"]
        assert "much too long" not in e["message"]  # no record data in messages

    missing = tenant.writer.request("POST", rec_path(ds), json={"user": {}})
    e = assert_error(missing, 400, "SchemaValidationError")
    assert "age" in e["details"]["field"] + e["details"]["reason"]

    # PUT is validated too
    put = tenant.writer.request("PUT", rec_path(ds, ok.body["id"]), json={"user": {"age": "x"}})
    e = assert_error(put, 400, "SchemaValidationError")
    assert e["details"]["field"] == "/user/age"
    assert tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] == 1


def test_invalid_schema_rejected(tenant):
    r = tenant.writer.request("POST", "/api/v1/datasets", json={"name": "bad-schema-ds", "schema": {"type": 12}})
    # The schema itself is invalid (a request error), not a record failing it.
    e = assert_error(r, 400, "ValidationError")
    assert "schema" in e["message"]
