"""Idempotency-Key on POST: replay of the first response, reuse with another body → 422."""
import secrets
import sqlite3
import threading
from pathlib import Path

from vaultlib import PG_STATE, assert_error, metadata_rows, new_dataset


def key():
    return "idem-" + secrets.token_hex(8)


def test_replay_returns_first_response_without_duplicate(tenant, dataset):
    path = f"/api/v1/datasets/{dataset['id']}/records"
    k = key()
    first = tenant.writer.request("POST", path, json={"q": 1}, headers={"Idempotency-Key": k})
    assert first.status == 201, first
    assert (first.header("Idempotency-Replayed") or "false").lower() != "true"
    again = tenant.writer.request("POST", path, json={"q": 1}, headers={"Idempotency-Key": k})
    assert again.status == 201
    assert again.body == first.body
    assert again.header("Idempotency-Replayed") == "true"
    assert again.header("ETag") == first.header("ETag")
    items = tenant.reader.request("GET", path).body["items"]
    assert [x["id"] for x in items] == [first.body["id"]]


def test_reuse_with_different_body_is_422(tenant, dataset):
    path = f"/api/v1/datasets/{dataset['id']}/records"
    k = key()
    assert tenant.writer.request("POST", path, json={"q": 1}, headers={"Idempotency-Key": k}).status == 201
    r = tenant.writer.request("POST", path, json={"q": 2}, headers={"Idempotency-Key": k})
    assert_error(r, 422, "IdempotencyKeyReuseError")
    assert len(tenant.reader.request("GET", path).body["items"]) == 1


def test_batch_and_dataset_create_replay(tenant):
    k = key()
    name = "idem-ds-" + secrets.token_hex(4)
    a = tenant.writer.request("POST", "/api/v1/datasets", json={"name": name}, headers={"Idempotency-Key": k})
    b = tenant.writer.request("POST", "/api/v1/datasets", json={"name": name}, headers={"Idempotency-Key": k})
    assert a.status == b.status == 201 and a.body["id"] == b.body["id"]  # not a 409 name conflict
    assert b.header("Idempotency-Replayed") == "true"

    path = f"/api/v1/datasets/{a.body['id']}/records:batch"
    k2 = key()
    body = {"records": [{"n": i} for i in range(10)]}
    r1 = tenant.writer.request("POST", path, json=body, headers={"Idempotency-Key": k2})
    r2 = tenant.writer.request("POST", path, json=body, headers={"Idempotency-Key": k2})
    assert r1.status == r2.status == 201 and r1.body == r2.body
    stats = tenant.reader.request("GET", f"/api/v1/datasets/{a.body['id']}/stats").body
    assert stats["records"] == 10


def test_keys_are_scoped_to_the_tenant(server, admin, tenant):
    from vaultlib import make_tenant
    other = make_tenant(server, admin)
    k = key()
    ds_a = new_dataset(tenant.writer)
    ds_b = new_dataset(other.writer)
    ra = tenant.writer.request("POST", f"/api/v1/datasets/{ds_a['id']}/records", json={"z": 1},
                               headers={"Idempotency-Key": k})
    rb = other.writer.request("POST", f"/api/v1/datasets/{ds_b['id']}/records", json={"z": 1},
                              headers={"Idempotency-Key": k})
    assert ra.status == rb.status == 201
    assert ra.body["id"] != rb.body["id"]
    assert rb.header("Idempotency-Replayed") != "true"


def test_without_key_nothing_is_replayed(tenant, dataset):
    path = f"/api/v1/datasets/{dataset['id']}/records"
    a = tenant.writer.request("POST", path, json={"q": 1})
    b = tenant.writer.request("POST", path, json={"q": 1})
    assert a.body["id"] != b.body["id"]


def test_a_lost_answer_or_a_concurrent_duplicate_writes_one_record(server, tenant, dataset):
    """The answer of a write is stored after the write commits; a process that
    dies in between loses it. The record's id is derived from the key, so
    the retry finds the record instead of writing a second one; concurrent
    duplicates the same way."""
    path = f"/api/v1/datasets/{dataset['id']}/records"
    k = key()
    first = tenant.writer.request("POST", path, json={"lost": 1}, headers={"Idempotency-Key": k})
    assert first.status == 201, first
    delete_stored_answer(server.data_dir, k)  # as if the process died before storing it
    again = tenant.writer.request("POST", path, json={"lost": 1}, headers={"Idempotency-Key": k})
    assert again.status == 201 and again.body["id"] == first.body["id"], (first, again)
    assert again.body["data"] == {"lost": 1}

    k2 = key()
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(
        tenant.writer.request("POST", path, json={"race": 1}, headers={"Idempotency-Key": k2}))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status for a in answers] == [201] * 8, answers
    assert len({a.body["id"] for a in answers}) == 1, answers
    ids = [r["id"] for r in tenant.reader.get_all(path)]
    assert ids.count(first.body["id"]) == 1 and ids.count(answers[0].body["id"]) == 1
    # Same key, other content, answer lost: a conflict, not a second record.
    k3 = key()
    assert tenant.writer.request("POST", path, json={"v": 1}, headers={"Idempotency-Key": k3}).status == 201
    delete_stored_answer(server.data_dir, k3)
    assert_error(tenant.writer.request("POST", path, json={"v": 2}, headers={"Idempotency-Key": k3}), 409)


def delete_stored_answer(data_dir, idem_key):
    if PG_STATE:
        metadata_rows(data_dir, "DELETE FROM idempotency WHERE key = ? RETURNING key", (idem_key,))
        return
    db = sqlite3.connect(Path(data_dir) / "meta.db", timeout=30)
    try:
        assert db.execute("DELETE FROM idempotency WHERE key = ?", (idem_key,)).rowcount == 1
        db.commit()
    finally:
        db.close()
