"""Tenant isolation and roles."""
import pytest

from vaultlib import NO_KEY, assert_error, create_key, import_jsonl, make_tenant, new_dataset, settled


@pytest.fixture(scope="module")
def other(server, admin):
    return make_tenant(server, admin)


@pytest.fixture(scope="module")
def a_dataset(tenant):
    ds = new_dataset(tenant.writer, tags=["secret"])
    rec = tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"a": 1}).body
    tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/versions", json={"message": "v1"})
    return ds, rec


ROLE_RANK = {"reader": 0, "writer": 1, "admin": 2}


def test_other_tenant_sees_404_everywhere(tenant, other, a_dataset):
    ds, rec = a_dataset
    base = f"/api/v1/datasets/{ds['id']}"
    # (method, path, body, the least role the route admits: checked from the
    # headers first, so a lower role is refused with 403 before any lookup)
    calls = [
        ("GET", base, None, "reader"),
        ("PATCH", base, {"description": "pwned"}, "writer"),
        ("DELETE", base, None, "admin"),
        ("POST", base + ":archive", None, "writer"),
        ("POST", base + ":restore", None, "writer"),
        ("GET", base + "/stats", None, "reader"),
        ("GET", base + "/records", None, "reader"),
        ("POST", base + "/records", {"x": 1}, "writer"),
        ("POST", base + "/records:batch", {"records": [{"x": 1}]}, "writer"),
        ("GET", f"{base}/records/{rec['id']}", None, "reader"),
        ("PUT", f"{base}/records/{rec['id']}", {"x": 1}, "writer"),
        ("DELETE", f"{base}/records/{rec['id']}", None, "writer"),
        ("GET", base + "/versions", None, "reader"),
        ("GET", base + "/versions/1", None, "reader"),
        ("POST", base + "/versions", {"message": "x"}, "writer"),
        ("GET", base + "/quarantine", None, "admin"),
        ("POST", f"{base}/records/{rec['id']}:release", None, "admin"),
        ("POST", "/api/v1/pii/anonymize", {"text": "jane.doe@example.com", "dataset_id": ds["id"]}, "writer"),
    ]
    for role, who in (("admin", other.admin), ("writer", other.writer), ("reader", other.reader)):
        for method, path, body, least in calls:
            kwargs = {"json": body} if body is not None else {}
            r = who.request(method, path, **kwargs)
            if ROLE_RANK[role] < ROLE_RANK[least]:
                assert_error(r, 403, "AuthorizationError")
            else:
                assert_error(r, 404, "DatasetNotFoundError")
        exp, *_ = who.stream_download(base + "/records:export")
        assert_error(exp, 404, "DatasetNotFoundError")
        exp1, *_ = who.stream_download(base + "/records:export?version=1")
        assert_error(exp1, 404, "DatasetNotFoundError")
    imp = import_jsonl(other.writer, ds["id"], b'{"x": 1}\n')
    assert_error(imp, 404, "DatasetNotFoundError")
    assert_error(import_jsonl(other.reader, ds["id"], b'{"x": 1}\n'), 403, "AuthorizationError")
    # same answer as for a dataset that does not exist at all
    missing = other.reader.request("GET", "/api/v1/datasets/ds_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    mine = other.reader.request("GET", base)
    assert missing.body["error"]["message"].replace("ds_01ARZ3NDEKTSV4RRFFQ69G5FAV", ds["id"]) == \
        mine.body["error"]["message"]

    # nothing changed for tenant A
    g = tenant.reader.request("GET", base)
    assert g.status == 200 and g.body["description"] == ds["description"] and g.body["status"] == "active"
    assert tenant.reader.request("GET", f"{base}/records/{rec['id']}").body["data"] == {"a": 1}
    assert tenant.reader.request("GET", base + "/stats").body["records"] == 1


def test_quarantine_of_another_tenant_is_not_reachable(tenant, other):
    ds = new_dataset(tenant.admin, pii_policy={"action": "quarantine"})
    base = f"/api/v1/datasets/{ds['id']}"
    q = tenant.writer.request("POST", base + "/records", json={"ssn": "536-22-8726"})
    assert q.status == 201 and q.body["quarantined"] is True, q
    assert_error(other.admin.request("GET", base + "/quarantine"), 404, "DatasetNotFoundError")
    assert_error(other.admin.request("GET", base + "/quarantine?view=anonymized"), 404, "DatasetNotFoundError")
    r = other.admin.request("POST", f"{base}/records/{q.body['id']}:release")
    assert_error(r, 404, "DatasetNotFoundError")
    an = other.writer.request("POST", "/api/v1/pii/anonymize",
                              json={"json": {"ssn": "536-22-8726"}, "dataset_id": ds["id"]})
    assert_error(an, 404, "DatasetNotFoundError")
    # Still quarantined, still listed for its own admin only.
    items = tenant.admin.request("GET", base + "/quarantine").body["items"]
    assert [i["id"] for i in items] == [q.body["id"]]
    assert_error(tenant.reader.request("GET", f"{base}/records/{q.body['id']}"), 404, "RecordNotFoundError")


def test_listings_are_per_tenant(tenant, other, a_dataset):
    ds, _ = a_dataset
    theirs = other.reader.get_all("/api/v1/datasets")
    assert ds["id"] not in {d["id"] for d in theirs}
    assert all(d["tenant_id"] == other.id for d in theirs)
    ours = tenant.reader.get_all("/api/v1/datasets")
    assert ds["id"] in {d["id"] for d in ours}
    # same name in another tenant is allowed
    assert other.writer.request("POST", "/api/v1/datasets", json={"name": ds["name"]}).status == 201


def test_keys_and_tenants_are_per_tenant(tenant, other):
    keys = tenant.admin.request("GET", "/api/v1/api-keys")
    assert keys.status == 200
    ids = {k["id"] for k in keys.body["items"]}
    assert set(tenant.key_ids.values()) <= ids
    assert not ids & set(other.key_ids.values())
    for k in keys.body["items"]:
        assert "key" not in k and k["tenant_id"] == tenant.id
        assert {"id", "tenant_id", "name", "role", "prefix", "created_at"} <= set(k)
    assert tenant.admin.request("GET", f"/api/v1/tenants/{tenant.id}").body["id"] == tenant.id
    assert_error(tenant.admin.request("GET", f"/api/v1/tenants/{other.id}"), 404, "TenantNotFoundError")
    r = tenant.admin.request("DELETE", f"/api/v1/api-keys/{other.key_ids['reader']}")
    assert_error(r, 404, "ApiKeyNotFoundError")
    assert other.reader.request("GET", "/api/v1/datasets").status == 200


def test_reader_cannot_write(tenant, a_dataset):
    ds, rec = a_dataset
    base = f"/api/v1/datasets/{ds['id']}"
    for method, path, body in [
        ("POST", "/api/v1/datasets", {"name": "by-reader"}),
        ("PATCH", base, {"description": "x"}),
        ("DELETE", base, None),
        ("POST", base + ":archive", None),
        ("POST", base + "/records", {"x": 1}),
        ("PUT", f"{base}/records/{rec['id']}", {"x": 1}),
        ("DELETE", f"{base}/records/{rec['id']}", None),
        ("POST", base + "/records:batch", {"records": [{"x": 1}]}),
    ]:
        kwargs = {"json": body} if body is not None else {}
        assert_error(tenant.reader.request(method, path, **kwargs), 403, "AuthorizationError")
    assert_error(import_jsonl(tenant.reader, ds["id"], b'{"x": 1}\n'), 403, "AuthorizationError")
    assert tenant.reader.request("GET", base).status == 200


def test_writer_cannot_manage_keys_or_tenants(tenant):
    r = tenant.writer.request("POST", "/api/v1/api-keys", json={"name": "x", "role": "reader"})
    assert_error(r, 403, "AuthorizationError")
    assert_error(tenant.writer.request("GET", "/api/v1/api-keys"), 403, "AuthorizationError")
    assert_error(tenant.reader.request("GET", "/api/v1/api-keys"), 403, "AuthorizationError")
    assert_error(tenant.writer.request("POST", "/api/v1/tenants", json={"name": "nope"}), 403, "AuthorizationError")
    # a tenant admin is not the platform admin
    assert_error(tenant.admin.request("POST", "/api/v1/tenants", json={"name": "nope2"}), 403, "AuthorizationError")
    assert_error(tenant.admin.request("GET", "/api/v1/tenants"), 403, "AuthorizationError")


def test_tenant_admin_manages_own_keys(server, tenant, other):
    k = create_key(tenant.admin, None, "reader", name="ci-reader")
    assert k["tenant_id"] == tenant.id and k["role"] == "reader" and k["name"] == "ci-reader"
    assert k["key"].startswith(k["prefix"])
    assert server.client(k["key"]).request("GET", "/api/v1/datasets").status == 200
    r = tenant.admin.request("POST", "/api/v1/api-keys", json={"name": "x", "role": "reader", "tenant_id": other.id})
    assert_error(r, 403, "AuthorizationError")
    r = tenant.admin.request("POST", "/api/v1/api-keys", json={"name": "x", "role": "superuser"})
    assert_error(r, 400, "ValidationError")


def test_no_key_and_revoked_key(server, tenant):
    c = server.client()
    assert_error(c.request("GET", "/api/v1/datasets", key=NO_KEY), 401, "AuthenticationError")
    k = create_key(tenant.admin, None, "writer")
    kc = server.client(k["key"])
    assert kc.request("GET", "/api/v1/datasets").status == 200
    r = tenant.admin.request("DELETE", f"/api/v1/api-keys/{k['id']}")
    assert r.status == 204, r
    refused = lambda r: r.status == 401  # noqa: E731
    assert_error(settled(lambda: kc.request("GET", "/api/v1/datasets"), refused), 401, "AuthenticationError")
    assert_error(settled(lambda: kc.request("POST", "/api/v1/datasets", json={"name": "after-revoke"}), refused),
                 401, "AuthenticationError")
    # revoking twice: the key is gone (or already revoked), never a server error
    again = tenant.admin.request("DELETE", f"/api/v1/api-keys/{k['id']}")
    assert again.status in (204, 404), again


def test_platform_admin_lists_tenants(admin, tenant, other):
    r = admin.request("GET", "/api/v1/tenants")
    assert r.status == 200 and r.body["next_cursor"] is None
    ids = {t["id"] for t in r.body["items"]}
    assert {tenant.id, other.id} <= ids
    for t in r.body["items"]:
        assert {"id", "name", "status", "created_at"} <= set(t)
    assert admin.request("GET", f"/api/v1/tenants/{tenant.id}").body["name"] == tenant.name
