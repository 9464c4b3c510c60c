"""Fixtures for the end-to-end tests: a real `vaultd` on a free loopback port.

The server binary comes from $VAULT_BIN_DIR (default <repo>/build/bin). Each
test module gets its own server (`server`) with a fresh data directory; tests
that need to kill or restart a process start their own with `VaultServer`.
Helpers live in vaultlib.py (HTTP client, error-shape checks, tenants). In
the e2e_cluster run (VAULT_E2E_CLUSTER) `server` is three replicas behind
haproxy instead (vaultlib.ClusterServer).
"""
import os
import secrets

import pytest

from vaultlib import CLUSTER_SERVICES, PG_STATE, ClusterServer, VaultServer, make_tenant


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: large imports and kill -9 runs (still part of the default run)")
    config.addinivalue_line(
        "markers", "embedded_store: reads the embedded store's files (meta.db) directly; "
                   "runs in the SQLite run of the suite only")


def pytest_collection_modifyitems(config, items):
    if not PG_STATE:
        return
    skip = pytest.mark.skip(reason="inspects the embedded SQLite store's files; the e2e.* run covers it")
    for item in items:
        if "embedded_store" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running vaultd for the whole module; stopped with SIGTERM at the end,
    which must exit with code 0."""
    base = tmp_path_factory.mktemp("vaultd")
    # In the e2e_cluster run: three replicas behind haproxy (vaultlib.ClusterServer).
    server_class = ClusterServer if CLUSTER_SERVICES else VaultServer
    srv = server_class(base / "data", base / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16))
    srv.start()
    print(f"vaultd log: {srv.log_path}")
    yield srv
    code = srv.stop()
    assert code == 0, f"vaultd exited with {code}; log:\n{srv.log_tail()}"


@pytest.fixture(scope="module")
def admin(server):
    """Client with the bootstrap (platform admin) key."""
    return server.client(server.admin_key)


@pytest.fixture(scope="module")
def tenant(server, admin):
    """A tenant with one key of each role (see vaultlib.Tenant)."""
    return make_tenant(server, admin)


@pytest.fixture()
def dataset(tenant):
    """A fresh dataset of `tenant` (created with the writer key); its JSON."""
    name = "ds-" + secrets.token_hex(6)
    r = tenant.writer.request("POST", "/api/v1/datasets", json={"name": name})
    assert r.status == 201, r
    return r.body


def pytest_report_header(config):
    store = f"PostgreSQL ({PG_STATE})" if PG_STATE else "embedded SQLite"
    if CLUSTER_SERVICES:
        store = f"three replicas behind haproxy on PostgreSQL, S3, Redis and SoftHSM ({CLUSTER_SERVICES})"
    return f"vault bin dir: {os.environ.get('VAULT_BIN_DIR', '<repo>/build/bin')}; metadata store: {store}"
