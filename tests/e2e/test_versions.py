"""Versions: create, list, get, 404, reads and exports as of a version while writes continue."""
import hashlib
import json
import re
import threading

from vaultlib import assert_error, chunked, import_jsonl, jsonl_lines, make_tenant, new_dataset

KEYED_HASH = re.compile(r"^hmac-sha256:v1:[0-9a-f]{64}$")


def test_create_list_get(tenant):
    ds = new_dataset(tenant.writer)
    base = f"/api/v1/datasets/{ds['id']}"
    for i in range(3):
        tenant.writer.request("POST", base + "/records", json={"i": i})
    r1 = tenant.writer.request("POST", base + "/versions", json={"message": "first"})
    assert r1.status == 201, r1
    v1 = r1.body
    assert v1["dataset_id"] == ds["id"] and v1["number"] == 1 and v1["message"] == "first"
    assert v1["record_count"] == 3 and v1["bytes"] > 0
    assert v1["author_key_id"] == tenant.key_ids["writer"]
    assert KEYED_HASH.match(v1["content_hash"]) and isinstance(v1["seq"], int)
    assert "created_at" in v1

    tenant.writer.request("POST", base + "/records", json={"i": 3})
    v2 = tenant.writer.request("POST", base + "/versions", json={"message": "second"}).body
    assert v2["number"] == 2 and v2["record_count"] == 4 and v2["seq"] > v1["seq"]
    assert v2["content_hash"] != v1["content_hash"]

    lst = tenant.reader.request("GET", base + "/versions")
    assert lst.status == 200 and lst.body["next_cursor"] is None
    assert [v["number"] for v in lst.body["items"]] == [1, 2]
    assert lst.body["items"][0] == v1

    g = tenant.reader.request("GET", base + "/versions/1")
    assert g.status == 200 and g.body == v1

    v3 = tenant.writer.request("POST", base + "/versions", json={"message": "again"}).body
    assert v3["number"] == 3 and v3["record_count"] == 4


def test_version_not_found(tenant, dataset):
    base = f"/api/v1/datasets/{dataset['id']}"
    assert_error(tenant.reader.request("GET", base + "/versions/1"), 404, "VersionNotFoundError")
    tenant.writer.request("POST", base + "/versions", json={"message": "v"})
    assert_error(tenant.reader.request("GET", base + "/versions/99"), 404, "VersionNotFoundError")
    assert_error(tenant.reader.request("GET", base + "/records?version=99"), 404, "VersionNotFoundError")
    r, *_ = tenant.reader.stream_download(base + "/records:export?version=99")
    assert_error(r, 404, "VersionNotFoundError")


def test_reader_cannot_create_version(tenant, dataset):
    r = tenant.reader.request("POST", f"/api/v1/datasets/{dataset['id']}/versions", json={"message": "x"})
    assert_error(r, 403, "AuthorizationError")


def test_records_as_of_version(tenant, dataset):
    base = f"/api/v1/datasets/{dataset['id']}"
    ids = [tenant.writer.request("POST", base + "/records", json={"i": i}).body["id"] for i in range(4)]
    tenant.writer.request("POST", base + "/versions", json={"message": "v1"})
    # change everything after version 1
    tenant.writer.request("PUT", f"{base}/records/{ids[0]}", json={"i": 100})
    tenant.writer.request("DELETE", f"{base}/records/{ids[1]}")
    new_id = tenant.writer.request("POST", base + "/records", json={"i": 4}).body["id"]

    old = tenant.reader.request("GET", f"{base}/records/{ids[0]}?version=1")
    assert old.status == 200 and old.body["data"] == {"i": 0}
    assert tenant.reader.request("GET", f"{base}/records/{ids[0]}").body["data"] == {"i": 100}
    gone = tenant.reader.request("GET", f"{base}/records/{ids[1]}?version=1")
    assert gone.status == 200 and gone.body["data"] == {"i": 1}
    assert_error(tenant.reader.request("GET", f"{base}/records/{new_id}?version=1"), 404, "RecordNotFoundError")

    items = tenant.reader.get_all(f"{base}/records?version=1", limit=2)
    assert sorted(x["data"]["i"] for x in items) == [0, 1, 2, 3]
    current = tenant.reader.get_all(f"{base}/records", limit=2)
    assert sorted(x["data"]["i"] for x in current) == [2, 3, 4, 100]


def test_time_travel_export_while_writing(tenant):
    ds = new_dataset(tenant.writer)
    base = f"/api/v1/datasets/{ds['id']}"
    original = b"".join(jsonl_lines(20_000))
    r = import_jsonl(tenant.writer, ds["id"], chunked([original]))
    assert r.status == 200 and r.body["imported"] == 20_000, r
    v1 = tenant.writer.request("POST", base + "/versions", json={"message": "before"}).body
    assert v1["record_count"] == 20_000

    stop = threading.Event()
    written = []
    errors = []
    started = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            w = tenant.writer.request("POST", base + "/records", json={"late": i})
            if w.status != 201:
                errors.append(w)
                return
            written.append(w.body["id"])
            if i % 10 == 0:
                b = tenant.writer.request("POST", base + "/records:batch",
                                          json={"records": [{"late_batch": i, "k": k} for k in range(50)]})
                if b.status != 201:
                    errors.append(b)
                    return
            started.set()
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert started.wait(30), errors
        exports = []
        for _ in range(2):  # export version 1 twice while the writer keeps going
            resp, sha, size, lines = tenant.reader.stream_download(base + "/records:export?version=1", chunk=4096)
            assert resp.status == 200, resp
            exports.append((sha, size, lines))
        listed = tenant.reader.get_all(f"{base}/records?version=1", limit=1000)
    finally:
        stop.set()
        t.join(60)
    assert not errors, errors
    assert written, "the writer never wrote"
    expected = (hashlib.sha256(original).hexdigest(), len(original), 20_000)
    assert exports == [expected, expected]
    assert len(listed) == 20_000
    # the current state has the late records too
    now = tenant.reader.request("GET", base + "/stats").body
    assert now["records"] >= 20_000 + len(written)


def test_content_hash_is_keyed_and_comparable_within_a_tenant(server, admin, tenant):
    """Same content → same hash in one tenant; another tenant's hash of the same content
    differs, and none is the unkeyed SHA-256 an attacker could brute-force from meta.db."""
    record = {"ssn": "536-22-8726"}

    def version_of(writer):
        ds = new_dataset(writer)
        r = writer.request("PUT", f"/api/v1/datasets/{ds['id']}/records/r1", json=record)
        assert r.status in (200, 201), r
        v = writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "m"})
        assert v.status == 201, v
        return v.body

    a, b = version_of(tenant.writer), version_of(tenant.writer)
    assert KEYED_HASH.match(a["content_hash"]) and a["content_hash"] == b["content_hash"]
    other = make_tenant(server, admin)
    c = version_of(other.writer)
    assert KEYED_HASH.match(c["content_hash"]) and c["content_hash"] != a["content_hash"]
    body = json.dumps(record).encode()  # the bytes the client sent, stored as is
    plain = hashlib.sha256(b"r1\0" + body + b"\n").hexdigest()
    for v in (a, b, c):
        assert plain not in v["content_hash"]
