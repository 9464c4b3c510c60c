"""Streamed JSONL import and export."""
import hashlib
import json

import pytest

from vaultlib import assert_error, chunked, import_jsonl, jsonl_lines, new_dataset

N_LARGE = 100_000


@pytest.mark.slow
def test_large_streamed_import_and_byte_identical_export(tenant):
    ds = new_dataset(tenant.writer)
    digest = hashlib.sha256()
    sent = 0

    def body():
        nonlocal sent
        for chunk in chunked(jsonl_lines(N_LARGE)):
            digest.update(chunk)
            sent += len(chunk)
            yield chunk

    r = import_jsonl(tenant.writer, ds["id"], body())  # generator → chunked transfer encoding
    assert r.status == 200, r
    assert r.body["imported"] == N_LARGE and r.body["failed"] == 0 and r.body["lines"] == N_LARGE, r.body
    assert r.body["errors"] == []

    stats = tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body
    assert stats["records"] == N_LARGE

    resp, sha, size, lines = tenant.reader.stream_download(f"/api/v1/datasets/{ds['id']}/records:export")
    assert resp.status == 200, resp
    assert resp.header("Content-Type", "").startswith("application/x-ndjson")
    assert (size, lines) == (sent, N_LARGE)
    assert sha == digest.hexdigest()


def test_import_with_content_length_and_export(tenant):
    ds = new_dataset(tenant.writer)
    data = b"".join(jsonl_lines(500))
    r = import_jsonl(tenant.writer, ds["id"], data)  # bytes → Content-Length
    assert r.status == 200 and r.body["imported"] == 500, r
    resp, sha, size, _ = tenant.reader.stream_download(f"/api/v1/datasets/{ds['id']}/records:export")
    assert sha == hashlib.sha256(data).hexdigest() and size == len(data)
    # records imported are ordinary records
    first = tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/records?limit=1").body["items"][0]
    assert first["data"]["i"] in range(500)


def test_bad_lines_keep_good_ones(tenant):
    ds = new_dataset(tenant.writer)
    good = [b'{"g": 1}\n', b'{"g": 2}\n', b'{"g": 3}\n', b'{"g": 4}\n']
    body = (good[0]            # line 1
            + b'{"broken": \n'  # line 2: malformed
            + good[1]           # line 3
            + b'[1, 2]\n'       # line 4: not an object
            + good[2]           # line 5
            + b'"text"\n'       # line 6: not an object
            + b'\n'             # line 7: blank, skipped
            + good[3])          # line 8 (no trailing newline issue: it has one)
    r = import_jsonl(tenant.writer, ds["id"], body)
    assert r.status == 200, r
    assert r.body["imported"] == 4 and r.body["failed"] == 3, r.body
    assert r.body["imported"] + r.body["failed"] <= r.body["lines"]
    errs = r.body["errors"]
    assert [e["line"] for e in errs] == [2, 4, 6]
    for e in errs:
        assert set(e) >= {"line", "code", "type", "message"}
        assert e["code"].startswith("VAULT_ERR_") and e["type"].endswith("Error")
    assert errs[0]["code"] == "VAULT_ERR_0003" and errs[0]["type"] == "MalformedRequestError"
    assert not r.body.get("errors_truncated", False)
    resp, sha, _, lines = tenant.reader.stream_download(f"/api/v1/datasets/{ds['id']}/records:export")
    assert lines == 4 and sha == hashlib.sha256(b"".join(good)).hexdigest()


def test_schema_failures_in_import(tenant):
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
    ds = new_dataset(tenant.writer, schema=schema)
    body = b'{"n": 1}\n{"n": "x"}\n{"m": 1}\n{"n": 2}\n'
    r = import_jsonl(tenant.writer, ds["id"], body)
    assert r.status == 200, r
    assert r.body["imported"] == 2 and r.body["failed"] == 2
    assert [(e["line"], e["type"], e["code"]) for e in r.body["errors"]] == [
        (2, "SchemaValidationError", "VAULT_ERR_0002"), (3, "SchemaValidationError", "VAULT_ERR_0002")]


def test_error_list_is_truncated_at_100(tenant):
    ds = new_dataset(tenant.writer)
    body = b"".join(b"not json %d\n" % i if i % 2 else b'{"ok": %d}\n' % i for i in range(300))
    r = import_jsonl(tenant.writer, ds["id"], body)
    assert r.status == 200, r
    assert r.body["imported"] == 150 and r.body["failed"] == 150
    assert len(r.body["errors"]) == 100 and r.body["errors_truncated"] is True
    assert r.body["errors"][0]["line"] == 2


def test_import_requires_ndjson(tenant, dataset):
    r = import_jsonl(tenant.writer, dataset["id"], b'{"a": 1}\n', content_type="application/json")
    assert_error(r, 415, "UnsupportedMediaTypeError")
    r = import_jsonl(tenant.writer, dataset["id"], b'{"a": 1}\n', content_type="text/plain")
    assert_error(r, 415, "UnsupportedMediaTypeError")


def test_import_into_missing_dataset(tenant):
    r = import_jsonl(tenant.writer, "ds_01ARZ3NDEKTSV4RRFFQ69G5FAV", b'{"a": 1}\n')
    assert_error(r, 404, "DatasetNotFoundError")


def test_empty_import_and_empty_export(tenant, dataset):
    r = import_jsonl(tenant.writer, dataset["id"], b"")
    assert r.status == 200 and r.body["imported"] == 0 and r.body["failed"] == 0, r
    resp, sha, size, _ = tenant.reader.stream_download(f"/api/v1/datasets/{dataset['id']}/records:export")
    assert resp.status == 200 and size == 0


def test_export_reflects_updates_and_deletes(tenant, dataset):
    base = f"/api/v1/datasets/{dataset['id']}/records"
    ids = [tenant.writer.request("POST", base, json={"i": i}).body["id"] for i in range(5)]
    tenant.writer.request("DELETE", f"{base}/{ids[1]}")
    tenant.writer.request("PUT", f"{base}/{ids[3]}", json={"i": 33})
    resp, _, _, lines = tenant.reader.stream_download(f"/api/v1/datasets/{dataset['id']}/records:export")
    conn = tenant.reader.connection()
    conn.request("GET", f"/api/v1/datasets/{dataset['id']}/records:export",
                 headers={"Authorization": f"Bearer {tenant.keys['reader']}"})
    got = [json.loads(x) for x in conn.getresponse().read().splitlines()]
    conn.close()
    assert lines == 4
    assert sorted(x["i"] for x in got) == [0, 2, 4, 33]


def test_archived_dataset_refuses_import(tenant, dataset):
    tenant.writer.request("POST", f"/api/v1/datasets/{dataset['id']}:archive")
    r = import_jsonl(tenant.writer, dataset["id"], b'{"a": 1}\n')
    assert_error(r, 409, "DatasetArchivedError")


def test_export_while_writing_is_a_consistent_snapshot(tenant):
    """A current-state export read slowly while a writer keeps replacing and
    inserting records: every line is a whole record, none appears twice,
    every record appears exactly once (in one of the states it really had),
    and writes did run while the export was being read."""
    import threading
    import time

    ds = new_dataset(tenant.writer)
    base = f"/api/v1/datasets/{ds['id']}/records"
    n = 4000
    body = "".join(json.dumps({"k": f"r{i}", "v": 0, "pad": "p" * 300}) + "\n" for i in range(n)).encode()
    assert import_jsonl(tenant.writer, ds["id"], body).body["imported"] == n
    ids = [item["id"] for item in tenant.reader.get_all(base, limit=1000)]
    assert len(ids) == n
    stop = threading.Event()
    writes = [0]
    failures = []

    def writer():
        i = 0
        while not stop.is_set():
            rid = ids[(i * 7919) % n]
            r = tenant.writer.request("PUT", f"{base}/{rid}", json={"k": f"r{ids.index(rid)}", "v": i + 1,
                                                                      "pad": "q" * 300})
            if r.status != 200:
                failures.append(r)
            r = tenant.writer.request("POST", base, json={"k": f"new{i}", "v": -1, "pad": "n" * 300})
            if r.status != 201:
                failures.append(r)
            writes[0] += 2
            i += 1

    th = threading.Thread(target=writer)
    th.start()
    try:
        deadline = time.monotonic() + 30
        while writes[0] < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        conn = tenant.reader.connection()
        conn.request("GET", base + ":export", headers=tenant.reader._headers(None, None))
        resp = conn.getresponse()
        assert resp.status == 200
        at_start, parts = writes[0], []
        while True:
            chunk = resp.read(32768)  # slow reader: the export spans many writes
            if not chunk:
                break
            parts.append(chunk)
            time.sleep(0.01)
        during = writes[0] - at_start
        conn.close()
    finally:
        stop.set()
        th.join()
    assert not failures, failures[:3]
    assert during > 0, "no write ran while the export was read"
    records = [json.loads(line) for line in b"".join(parts).decode().splitlines()]
    for rec in records:  # whole records only
        assert set(rec) == {"k", "v", "pad"} and len(rec["pad"]) == 300, rec
    keys = [r["k"] for r in records]
    assert len(keys) == len(set(keys)), "a record appears twice"
    assert {k for k in keys if k.startswith("r")} == {f"r{i}" for i in range(n)}
    for r in records:
        if r["k"].startswith("r"):
            assert (r["v"] == 0 and r["pad"] == "p" * 300) or (r["v"] > 0 and r["pad"] == "q" * 300), r
    # Inserted during the export: a prefix of the inserts at most (snapshot at the start).
    news = sorted(int(k[3:]) for k in keys if k.startswith("new"))
    assert news == list(range(len(news)))
