"""Datasets: CRUD, pagination, filters, If-Match/ETag, archive/restore, delete, stats."""
import re
import secrets

from vaultlib import assert_error, new_dataset

ID_RE = re.compile(r"^ds_[0-9A-Z]{26}$")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_create_get_and_shape(tenant):
    name = "chats-" + secrets.token_hex(4)
    body = {"name": name, "description": "support chats", "tags": ["chat", "en"]}
    r = tenant.writer.request("POST", "/api/v1/datasets", json=body)
    assert r.status == 201, r
    ds = r.body
    assert ID_RE.match(ds["id"]), ds
    assert ds["tenant_id"] == tenant.id
    assert ds["name"] == name and ds["description"] == "support chats"
    assert ds["tags"] == ["chat", "en"]
    assert ds["schema"] is None
    assert ds["status"] == "active"
    assert ds["record_count"] == 0 and ds["version_count"] == 0
    assert TS_RE.match(ds["created_at"]) and TS_RE.match(ds["updated_at"])
    assert r.header("ETag") == ds["etag"]

    g = tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}")
    assert g.status == 200
    assert g.body == ds
    assert g.header("ETag") == ds["etag"]


def test_duplicate_name_is_conflict(tenant):
    ds = new_dataset(tenant.writer)
    r = tenant.writer.request("POST", "/api/v1/datasets", json={"name": ds["name"]})
    assert_error(r, 409, "ConflictError")


def test_invalid_names_rejected(tenant):
    for name in ["", "has space", "slash/name", "x" * 129, "émoji"]:
        r = tenant.writer.request("POST", "/api/v1/datasets", json={"name": name})
        assert_error(r, 400, "ValidationError")
    r = tenant.writer.request("POST", "/api/v1/datasets", json={"description": "no name"})
    e = assert_error(r, 400, "MissingParameterError")
    assert e["details"]["field"] == "name"
    ok = tenant.writer.request("POST", "/api/v1/datasets", json={"name": "A." + "b" * 126})
    assert ok.status == 201, ok


def test_pagination_visits_every_dataset_once(tenant):
    prefix = "page-" + secrets.token_hex(3) + "-"
    names = {new_dataset(tenant.writer, name=f"{prefix}{i}")["name"] for i in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        path = f"/api/v1/datasets?limit=3&name_prefix={prefix}" + (f"&cursor={cursor}" if cursor else "")
        r = tenant.reader.request("GET", path)
        assert r.status == 200, r
        assert set(r.body) == {"items", "next_cursor"}
        assert len(r.body["items"]) <= 3
        seen += [d["name"] for d in r.body["items"]]
        pages += 1
        cursor = r.body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
    assert sorted(seen) == sorted(names)  # no duplicates, nothing missing
    assert pages >= 3


def test_limit_bounds(tenant):
    for bad in ("0", "1001", "-1", "abc"):
        r = tenant.reader.request("GET", f"/api/v1/datasets?limit={bad}")
        assert_error(r, 400, "ValidationError")
    assert tenant.reader.request("GET", "/api/v1/datasets?limit=1000").status == 200


def test_filters(tenant):
    prefix = "flt-" + secrets.token_hex(3) + "-"
    tag = "tag" + secrets.token_hex(3)
    a = new_dataset(tenant.writer, name=prefix + "a", tags=[tag])
    b = new_dataset(tenant.writer, name=prefix + "b", tags=[tag, "other"])
    c = new_dataset(tenant.writer, name=prefix + "c")
    assert tenant.writer.request("POST", f"/api/v1/datasets/{b['id']}:archive").status == 200

    def names(q):
        return sorted(d["name"] for d in tenant.reader.get_all(f"/api/v1/datasets?{q}"))

    assert names(f"name_prefix={prefix}") == sorted([a["name"], b["name"], c["name"]])
    assert names(f"tag={tag}") == sorted([a["name"], b["name"]])
    assert names(f"name_prefix={prefix}&status=archived") == [b["name"]]
    assert names(f"name_prefix={prefix}&status=active") == sorted([a["name"], c["name"]])
    assert names(f"tag={tag}&status=active") == [a["name"]]
    r = tenant.reader.request("GET", "/api/v1/datasets?status=bogus")
    assert_error(r, 400, "ValidationError")


def test_update_with_if_match(tenant):
    ds = new_dataset(tenant.writer, description="v0")
    path = f"/api/v1/datasets/{ds['id']}"
    r = tenant.writer.request("PATCH", path, json={"description": "v1"}, headers={"If-Match": ds["etag"]})
    assert r.status == 200, r
    assert r.body["description"] == "v1"
    assert r.body["etag"] != ds["etag"]
    assert r.header("ETag") == r.body["etag"]
    # the old ETag is stale now
    stale = tenant.writer.request("PATCH", path, json={"description": "v2"}, headers={"If-Match": ds["etag"]})
    assert_error(stale, 409, "ConcurrentModificationError")
    assert tenant.reader.request("GET", path).body["description"] == "v1"
    # without If-Match the update applies
    r2 = tenant.writer.request("PATCH", path, json={"tags": ["x"], "name": ds["name"] + "-renamed"})
    assert r2.status == 200, r2
    assert r2.body["tags"] == ["x"] and r2.body["name"] == ds["name"] + "-renamed"
    assert r2.body["description"] == "v1"


def test_update_to_taken_name_conflicts(tenant):
    a, b = new_dataset(tenant.writer), new_dataset(tenant.writer)
    r = tenant.writer.request("PATCH", f"/api/v1/datasets/{b['id']}", json={"name": a["name"]})
    assert_error(r, 409, "ConflictError")


def test_archive_and_restore(tenant):
    ds = new_dataset(tenant.writer)
    rec_path = f"/api/v1/datasets/{ds['id']}/records"
    r = tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}:archive")
    assert r.status == 200 and r.body["status"] == "archived", r
    w = tenant.writer.request("POST", rec_path, json={"a": 1})
    assert_error(w, 409, "DatasetArchivedError")
    # reads still work
    assert tenant.reader.request("GET", rec_path).status == 200
    r = tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}:restore")
    assert r.status == 200 and r.body["status"] == "active", r
    assert tenant.writer.request("POST", rec_path, json={"a": 1}).status == 201


def test_delete(tenant):
    ds = new_dataset(tenant.writer)
    path = f"/api/v1/datasets/{ds['id']}"
    tenant.writer.request("POST", path + "/records", json={"a": 1})
    # Deleting crypto-shreds every version: admin-only.
    assert_error(tenant.writer.request("DELETE", path), 403, "AuthorizationError")
    r = tenant.admin.request("DELETE", path)
    assert r.status == 204 and r.body == b"", r
    assert_error(tenant.reader.request("GET", path), 404, "DatasetNotFoundError")
    assert_error(tenant.reader.request("GET", path + "/records"), 404, "DatasetNotFoundError")
    assert_error(tenant.admin.request("DELETE", path), 404, "DatasetNotFoundError")
    # the name is free again
    assert tenant.writer.request("POST", "/api/v1/datasets", json={"name": ds["name"]}).status == 201


def test_stats_and_counts(tenant):
    ds = new_dataset(tenant.writer)
    base = f"/api/v1/datasets/{ds['id']}"
    s = tenant.reader.request("GET", base + "/stats")
    assert s.status == 200, s
    assert set(s.body) >= {"dataset_id", "records", "bytes", "versions", "seq"}
    assert s.body["dataset_id"] == ds["id"]
    assert (s.body["records"], s.body["bytes"], s.body["versions"]) == (0, 0, 0)
    for i in range(3):
        assert tenant.writer.request("POST", base + "/records", json={"i": i}).status == 201
    assert tenant.writer.request("POST", base + "/versions", json={"message": "v1"}).status == 201
    s2 = tenant.reader.request("GET", base + "/stats").body
    assert s2["records"] == 3 and s2["versions"] == 1 and s2["bytes"] > 0
    assert isinstance(s2["seq"], int) and s2["seq"] > s.body["seq"]
    d = tenant.reader.request("GET", base).body
    assert d["record_count"] == 3 and d["version_count"] == 1


def test_missing_dataset_is_404(tenant):
    r = tenant.reader.request("GET", "/api/v1/datasets/ds_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert_error(r, 404, "DatasetNotFoundError")
