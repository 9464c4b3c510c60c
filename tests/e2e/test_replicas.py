"""Three vaultd replicas behind haproxy, sharing PostgreSQL, S3, Redis and an
HSM token (SoftHSM2 over PKCS#11): what one replica does, the others see at
once, and replicas can die or restart under load.

Runs once, in the e2e_pg run; it starts its own PostgreSQL, Redis and s3rver
(each is stopped here), its own haproxy (scripts/services/haproxy_start.sh)
and token.
Figures (failures under kill -9 and rolling restart, latency with Redis
stopped) are printed; run with -s to see them.
"""
import base64
import os
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from vaultlib import PG_STATE, REPO, Client, VaultServer, assert_error, create_key, make_tenant, new_dataset, wait_job

pytestmark = pytest.mark.skipif(not PG_STATE, reason="runs once, in the e2e_pg run")

SCRIPTS = REPO / "scripts" / "services"
MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def read(path: Path) -> str:
    return path.read_text().strip()


def pg_ctl(state: Path, *args):
    data = read(state / "data")
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    run = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run(run + [str(bindir / "pg_ctl"), "-D", f"{data}/db", "-w", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.admin_key = "vk_replicas_" + secrets.token_hex(16)
        self.pg_state = tmp / "pg"
        subprocess.run([str(SCRIPTS / "pg_start.sh"), str(self.pg_state)], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, PG_FSYNC="off"))
        self.redis_state = tmp / "redis"
        subprocess.run([str(SCRIPTS / "redis_start.sh"), str(self.redis_state)], check=True, stdout=subprocess.DEVNULL)
        self.redis_pid = int(read(self.redis_state / "pid"))
        # One token for every replica: the tenant KEKs are shared.
        pin = secrets.token_hex(4)
        tokens = tmp / "tokens"
        tokens.mkdir()
        conf = tmp / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                        "log.level = ERROR\nslots.removable = false\n")
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "replicas", "--so-pin", "1234",
                        "--pin", pin], check=True, capture_output=True,
                       env={"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"})
        self.s3_state = s3 = tmp / "s3"
        subprocess.run([str(SCRIPTS / "s3_start.sh"), str(s3)], check=True, stdout=subprocess.DEVNULL)
        creds = dict(line.split("=", 1) for line in read(s3 / "env").splitlines())
        # S3 holds only large payloads here: its outage must not take the
        # replicas out of haproxy (spec default: critical).
        config = tmp / "vaultd.yaml"
        config.write_text("readiness:\n  checks:\n    storage:\n      critical: false\n")
        self.env = {
            "VAULT_CONFIG": str(config),
            "VAULT_DATABASE_URL": read(self.pg_state / "url"),
            # Breakers close again 5 s after opening (default 30 s): the outage
            # tests below wait for recovery.
            "VAULT_CIRCUIT_BREAKER_OPEN_DURATION": "5s",
            "VAULT_BLOB_URL": f"s3://{read(s3 / 'bucket')}/replicas?endpoint={read(s3 / 'endpoint')}&region=us-east-1",
            "VAULT_CACHE_URL": read(self.redis_state / "url"),
            "VAULT_KEY_PROVIDER": f"pkcs11://{MODULE}?token=replicas&pin_env=VAULT_HSM_PIN",
            "VAULT_HSM_PIN": pin,
            "SOFTHSM2_CONF": str(conf),
            "VAULT_SHUTDOWN_DRAIN_DELAY": "1s",  # haproxy checks every 200 ms
            # Rate limits high enough never to refuse, so that every request
            # asks Redis (SharedRateLimiter) and a stopped Redis is in its path.
            "VAULT_RATE_LIMIT_TENANT_RPS": "100000", "VAULT_RATE_LIMIT_TENANT_BURST": "100000",
            **creds,
        }
        self.replicas = [VaultServer(tmp / f"r{i}", tmp / f"r{i}.log", admin_key=self.admin_key, env=self.env)
                         for i in range(3)]
        # One after the other: the first migrates and bootstraps, the others
        # find it done.
        for r in self.replicas:
            r.start()
        self.haproxy_state = tmp / "haproxy"
        subprocess.run([str(SCRIPTS / "haproxy_start.sh"), str(self.haproxy_state),
                        *[str(r.port) for r in self.replicas]], check=True, stdout=subprocess.DEVNULL)
        self.port = int(read(self.haproxy_state / "port"))
        self.wait_balanced()

    def client(self, key=None) -> Client:
        return Client(self.port, key)

    def wait_balanced(self, timeout=20):
        """Until haproxy routes to every replica (rise 2 × 200 ms after ready)."""
        time.sleep(0.6)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.client().request("GET", "/health/ready").status == 200:
                return
            time.sleep(0.1)
        raise AssertionError("haproxy has no ready replica")

    def restart_all(self, extra_env: dict):
        for r in self.replicas:
            r.stop()
        for r in self.replicas:
            r.extra_env.update(extra_env)
            r.start()
        self.wait_balanced()

    def close(self):
        subprocess.run([str(SCRIPTS / "haproxy_stop.sh"), str(self.haproxy_state)], check=False)
        for r in self.replicas:
            try:
                r.stop()
            except AssertionError:
                pass
        subprocess.run([str(SCRIPTS / "redis_stop.sh"), str(self.redis_state)], check=False)
        subprocess.run([str(SCRIPTS / "pg_stop.sh"), str(self.pg_state)], check=False)
        subprocess.run([str(SCRIPTS / "s3_stop.sh"), str(self.s3_state)], check=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("replicas"))
    yield c
    c.close()


@pytest.fixture(scope="module")
def tenant(cluster):
    return make_tenant(cluster.replicas[0], cluster.client(cluster.admin_key))


def on(cluster, i, key):
    return cluster.replicas[i].client(key)


def replica_metric(cluster, i, name):
    """The sum of the samples of replica i's metrics whose line starts with `name`."""
    text = on(cluster, i, cluster.admin_key).request("GET", "/metrics").body.decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def test_written_through_one_replica_read_through_the_others_at_once(cluster, tenant):
    ds = on(cluster, 0, tenant.keys["writer"]).request("POST", "/api/v1/datasets", json={"name": "shared"})
    assert ds.status == 201, ds
    base = f"/api/v1/datasets/{ds.body['id']}/records"
    for i in range(3):
        w = on(cluster, i, tenant.keys["writer"]).request("POST", base, json={"n": i, "note": f"via replica {i}"})
        assert w.status == 201, w
        for j in range(3):  # immediately, on every replica
            r = on(cluster, j, tenant.keys["reader"]).request("GET", f"{base}/{w.body['id']}")
            assert r.status == 200 and r.body["data"]["n"] == i, (i, j, r)
    for j in range(3):
        listed = on(cluster, j, tenant.keys["reader"]).request("GET", base)
        assert listed.status == 200 and len(listed.body["items"]) == 3, listed


def test_an_idempotency_key_holds_across_replicas(cluster, tenant):
    ds = new_dataset(on(cluster, 0, tenant.keys["writer"]))
    base = f"/api/v1/datasets/{ds['id']}/records"
    answers = [on(cluster, i, tenant.keys["writer"]).request("POST", base, json={"v": 1},
                                                            headers={"Idempotency-Key": "same-key-1"})
               for i in range(3)]
    assert [a.status for a in answers] == [201, 201, 201], answers
    assert len({a.body["id"] for a in answers}) == 1, answers
    assert [a.header("Idempotency-Replayed") for a in answers[1:]] == ["true", "true"], answers
    listed = on(cluster, 2, tenant.keys["reader"]).request("GET", base)
    assert len(listed.body["items"]) == 1, listed
    # The same key with another body is refused on any replica.
    other = on(cluster, 1, tenant.keys["writer"]).request("POST", base, json={"v": 2},
                                                          headers={"Idempotency-Key": "same-key-1"})
    assert other.status == 422 or other.status == 409, other


def test_a_revoked_key_is_refused_by_every_replica_at_once(cluster, tenant):
    k = create_key(tenant.admin, None, "writer")
    for i in range(3):  # cached by every replica (for 5 s without invalidation)
        assert on(cluster, i, k["key"]).request("GET", "/api/v1/datasets").status == 200
    t0 = time.monotonic()
    assert on(cluster, 0, tenant.keys["admin"]).request("DELETE", f"/api/v1/api-keys/{k['id']}").status == 204
    refused_after = {}
    while len(refused_after) < 3 and time.monotonic() - t0 < 10:
        for i in range(3):
            if i not in refused_after and on(cluster, i, k["key"]).request("GET", "/api/v1/datasets").status == 401:
                refused_after[i] = time.monotonic() - t0
        time.sleep(0.005)
    print(f"\nrevocation refused by replicas after (s): {refused_after}")
    assert len(refused_after) == 3 and max(refused_after.values()) < 1.0, refused_after
    # The channel's own metrics: replica 0 published, the others received.
    metric = lambda i, name: replica_metric(cluster, i, name)  # noqa: E731
    assert metric(0, 'vault_cache_events_total{direction="published"}') >= 1
    assert all(metric(i, 'vault_cache_events_total{direction="received"}') >= 1 for i in (1, 2))
    assert all(metric(i, "vault_cache_events_subscribed") == 1 for i in range(3))


def test_a_transit_key_rotation_on_one_replica_is_used_by_all_at_once(cluster, tenant):
    name = "pipeline-" + secrets.token_hex(3)
    assert on(cluster, 0, tenant.keys["admin"]).request("POST", "/api/v1/transit/keys", json={"name": name}).status == 201
    pt = base64.b64encode(b"hello").decode()

    def version_on(i):
        r = on(cluster, i, tenant.keys["writer"]).request("POST", f"/api/v1/transit/encrypt/{name}",
                                                          json={"plaintext": pt})
        assert r.status == 200, r
        return r.body["ciphertext"].split(":")[1]

    assert [version_on(i) for i in range(3)] == ["v1"] * 3  # settings cached (2 s) everywhere
    t0 = time.monotonic()
    rot = on(cluster, 0, tenant.keys["admin"]).request("POST", f"/api/v1/transit/keys/{name}:rotate")
    assert rot.status in (200, 201), rot
    seen = {}
    while len(seen) < 3 and time.monotonic() - t0 < 10:
        for i in range(3):
            if i not in seen and version_on(i) == "v2":
                seen[i] = time.monotonic() - t0
    print(f"\nrotation used by replicas after (s): {seen}")
    assert len(seen) == 3 and max(seen.values()) < 1.0, seen


def test_a_kek_rotation_through_one_replica_leaves_every_replica_working(cluster):
    # A tenant of its own: every replica learns its KEK (version 1) by writing.
    t = make_tenant(cluster.replicas[0], cluster.client(cluster.admin_key))
    written = []
    for i in range(3):
        ds = new_dataset(on(cluster, i, t.keys["writer"]))
        w = on(cluster, i, t.keys["writer"]).request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"i": i})
        assert w.status == 201, w
        written.append((ds["id"], w.body["id"]))
    job = on(cluster, 0, t.keys["admin"]).request("POST", "/api/v1/keys/kek:rotate")
    assert job.status == 202, job
    j = wait_job(on(cluster, 0, t.keys["admin"]), job.body["id"])
    assert j["state"] == "succeeded", j
    # Version 1 is retired in the token; no replica may still wrap with it.
    for i in range(3):
        assert on(cluster, i, t.keys["admin"]).request("GET", "/api/v1/keys").body["kek"]["versions"] == [2]
        ds = new_dataset(on(cluster, i, t.keys["writer"]))  # a new DEK, wrapped now
        w = on(cluster, i, t.keys["writer"]).request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"new": i})
        assert w.status == 201, (i, w)
        for ds_id, rid in written:
            g = on(cluster, i, t.keys["reader"]).request("GET", f"/api/v1/datasets/{ds_id}/records/{rid}")
            assert g.status == 200, (i, g)


class Load:
    """Writers and readers through haproxy. Writes carry an Idempotency-Key
    and every request is retried by the client (up to 4 attempts, 100 ms
    apart) on a connection error or a 502/503/504: the figures are the
    attempts that failed and the requests that failed after retries."""

    def __init__(self, cluster, tenant, threads=6):
        self.cluster, self.tenant, self.threads = cluster, tenant, threads
        self.ds = new_dataset(cluster.client(tenant.keys["writer"]))
        self.base = f"/api/v1/datasets/{self.ds['id']}/records"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.requests = self.attempt_failures = self.failures = 0
        self.latencies = []
        self.acknowledged = []
        self.errors = []
        self.workers = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]

    def call(self, method, path, **kw):
        for attempt in range(4):
            t0 = time.monotonic()
            try:
                r = Client(self.cluster.port, timeout=30).request(method, path, **kw)
                ok = r.status < 500
            except OSError as e:
                r, ok = e, False
            with self.lock:
                self.latencies.append(time.monotonic() - t0)
                if not ok:
                    self.attempt_failures += 1
                    self.errors.append(repr(r)[:200])
            if ok:
                return r
            time.sleep(0.1)
        return None

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            i += 1
            key = f"load-{n}-{i}-{secrets.token_hex(4)}"
            w = self.call("POST", self.base, json={"w": n, "i": i}, key=self.tenant.keys["writer"],
                          headers={"Idempotency-Key": key})
            r = None
            if w is not None and w.status == 201:
                r = self.call("GET", f"{self.base}/{w.body['id']}", key=self.tenant.keys["reader"])
            with self.lock:
                self.requests += 2
                if w is None or w.status != 201:
                    self.failures += 1
                    self.errors.append(f"write: {w!r}"[:200])
                else:
                    self.acknowledged.append(w.body["id"])
                if w is not None and w.status == 201 and (r is None or r.status != 200):
                    self.failures += 1
                    self.errors.append(f"read: {r!r}"[:200])

    def __enter__(self):
        for w in self.workers:
            w.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for w in self.workers:
            w.join()

    def report(self, what):
        lat = sorted(self.latencies)
        p99 = lat[int(len(lat) * 0.99)] if lat else 0
        print(f"\n{what}: {self.requests} requests, {self.attempt_failures} failed attempts "
              f"({100.0 * self.attempt_failures / max(1, self.requests):.3f}%), {self.failures} failed after retries, "
              f"p99 {p99 * 1000:.0f} ms")
        return p99

    def check_acknowledged_are_there(self) -> int:
        """Asserts that no acknowledged write is missing; returns how many
        stored records were never acknowledged (writes applied twice)."""
        c = self.cluster.client(self.tenant.keys["reader"])
        ids = {r["id"] for r in c.get_all(self.base)}
        missing = [a for a in self.acknowledged if a not in ids]
        assert not missing, f"{len(missing)} acknowledged writes missing"
        extra = len(ids) - len(set(self.acknowledged))
        print(f"records stored but never acknowledged (applied twice): {extra}")
        return extra


def test_kill9_of_a_replica_under_load(cluster, tenant):
    victim = cluster.replicas[1]
    with Load(cluster, tenant) as load:
        time.sleep(2)
        victim.kill9()
        time.sleep(3)
    load.report("kill -9 of one replica of three")
    assert load.failures == 0, load.errors[:5]
    assert load.attempt_failures <= max(1, load.requests // 1000), load.errors[:5]
    # A write that committed on the killed replica before its Idempotency-Key
    # answer was stored, retried on another, finds its record (the id is
    # derived from the key) instead of writing a second one.
    assert load.check_acknowledged_are_there() == 0
    victim.start()
    cluster.wait_balanced()


def test_rolling_restart_with_sigterm_fails_nothing(cluster, tenant):
    with Load(cluster, tenant) as load:
        time.sleep(1)
        for r in cluster.replicas:
            r.signal(signal.SIGTERM)
            assert r.proc.wait(60) == 0
            r.start()
            time.sleep(0.6)  # haproxy: two good checks (rise 2, every 200 ms)
        time.sleep(1)
    load.report("rolling restart (SIGTERM) of three replicas")
    assert load.attempt_failures == 0, load.errors[:5]
    assert load.check_acknowledged_are_there() == 0  # drained: nothing in flight was cut


def test_requests_go_on_while_redis_is_stopped(cluster, tenant):
    os.kill(cluster.redis_pid, signal.SIGSTOP)
    try:
        with Load(cluster, tenant, threads=4) as load:
            time.sleep(4)
        p99 = load.report("Redis stopped (SIGSTOP)")
        assert load.attempt_failures == 0, load.errors[:5]
        # timeouts.cache.operation_timeout is 1 s: a request waits at most that
        # for Redis, and once the cache breaker opens, not at all.
        assert p99 < 1.5, p99
        ready = cluster.replicas[0].client().request("GET", "/health/ready")
        assert ready.body["checks"]["cache"]["status"] != "healthy", ready.body
    finally:
        os.kill(cluster.redis_pid, signal.SIGCONT)
    deadline = time.monotonic() + 60  # the breaker's open_duration (30 s) bounds it
    while time.monotonic() < deadline:
        checks = [r.client().request("GET", "/health/ready").body["checks"]["cache"] for r in cluster.replicas]
        if all(c["status"] == "healthy" and "events: subscribed" in c["message"] for c in checks):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the cache did not come back: {checks}")


def wait_breakers_closed(cluster, timeout=30):
    """Until no replica has an open breaker (an earlier outage test may have
    left the cache's open for its open_duration)."""
    deadline = time.monotonic() + timeout
    for r in cluster.replicas:
        while True:
            ready = r.client().request("GET", "/health/ready")
            if ready.body["checks"]["circuit_breakers"]["status"] == "healthy":
                break
            assert time.monotonic() < deadline, ready.body
            time.sleep(0.2)


def test_postgres_stopped_then_started_again(cluster, tenant):
    wait_breakers_closed(cluster)  # the read cache must be usable before the outage
    ds = new_dataset(cluster.client(tenant.keys["writer"]))
    base = f"/api/v1/datasets/{ds['id']}/records"
    before = cluster.client(tenant.keys["writer"]).request("POST", base, json={"before": True})
    assert before.status == 201, before
    unread = cluster.client(tenant.keys["writer"]).request("POST", base, json={"never": "read"})
    assert unread.status == 201, unread
    replaced = cluster.client(tenant.keys["writer"]).request("POST", base, json={"v": 1})
    assert replaced.status == 201, replaced
    # Read once through one replica: the read cache in Redis has the record
    # (sealed) for all of them; each replica also authenticates the reader.
    for r in cluster.replicas:
        assert r.client(tenant.keys["reader"]).request("GET", f"{base}/{before.body['id']}").status == 200
    assert cluster.client(tenant.keys["reader"]).request("GET", f"{base}/{replaced.body['id']}").status == 200
    put = cluster.client(tenant.keys["writer"]).request("PUT", f"{base}/{replaced.body['id']}", json={"v": 2})
    assert put.status == 200, put  # its cached copy (v 1) is hidden from now on
    time.sleep(0.5)  # copies are written to Redis asynchronously
    pg_ctl(cluster.pg_state, "-m", "fast", "stop")
    try:
        # Every replica: writes answer 503 in the error format, and fast once
        # its breaker opened; readiness says not ready; reads of what was read
        # before go on from the read cache, marked stale; other reads are 503.
        for i, r in enumerate(cluster.replicas):
            c = r.client(tenant.keys["writer"])
            took = []
            for n in range(8):
                t0 = time.monotonic()
                resp = c.request("POST", base, json={"during": n})
                took.append(time.monotonic() - t0)
                assert_error(resp, 503)
            assert max(took[-3:]) < 0.2, (i, took)
            reader = r.client(tenant.keys["reader"])
            got = reader.request("GET", f"{base}/{before.body['id']}")
            assert got.status == 200 and got.body["data"] == {"before": True}, (i, got)
            assert got.header("X-Vault-Stale") == "true" and int(got.header("Age")) >= 0, (i, got.headers)
            meta = reader.request("GET", f"/api/v1/datasets/{ds['id']}")
            assert meta.status == 200 and meta.body["name"] == ds["name"], (i, meta)
            assert meta.header("X-Vault-Stale") == "true", (i, meta.headers)
            assert_error(reader.request("GET", f"{base}/{unread.body['id']}"), 503)
            assert_error(reader.request("GET", f"{base}/{replaced.body['id']}"), 503)
            assert_error(reader.request("GET", base), 503)  # lists need the store
            ready = r.client().request("GET", "/health/ready")
            assert ready.status == 503 and ready.body["checks"]["metadata_store"]["status"] == "unhealthy", ready.body
    finally:
        # restart = start with the options of the last start (postmaster.opts: port, socket dir)
        pg_ctl(cluster.pg_state, "-l", read(cluster.pg_state / "data") + "/log", "restart")
    t0 = time.monotonic()
    while True:  # through haproxy, without restarting any replica
        r = cluster.client(tenant.keys["writer"]).request("POST", base, json={"after": True})
        if r.status == 201:
            break
        assert time.monotonic() - t0 < 60, r
        time.sleep(0.2)
    print(f"\nPostgreSQL started again: writes through haproxy succeed after {time.monotonic() - t0:.1f} s")
    for r in cluster.replicas:  # every replica serves from the store again (its breaker closed)
        for _ in range(100):
            g = r.client(tenant.keys["reader"]).request("GET", f"{base}/{before.body['id']}")
            if g.status == 200 and g.header("X-Vault-Stale") is None:
                break
            time.sleep(0.1)
        assert g.status == 200 and g.body["data"] == {"before": True}, g
        assert g.header("X-Vault-Stale") is None, g.headers
    cluster.wait_balanced()
    served = sum(replica_metric(cluster, i, 'vault_read_cache_total{result="served"}') for i in range(3))
    assert served >= 6, served


def test_large_payloads_are_blobs_in_s3_and_s3_down_spares_the_rest(cluster, tenant):
    ds = new_dataset(cluster.client(tenant.keys["writer"]))
    base = f"/api/v1/datasets/{ds['id']}/records"
    large = {"text": "x" * (100 << 10)}  # above storage.inline_max_bytes (64 KiB)
    big = on(cluster, 0, tenant.keys["writer"]).request("POST", base, json=large)
    assert big.status == 201, big
    for i in range(3):  # in S3: every replica reads it
        assert on(cluster, i, tenant.keys["reader"]).request("GET", f"{base}/{big.body['id']}").body["data"] == large
    s3_pid = int(read(cluster.s3_state / "pid"))
    endpoint = read(cluster.s3_state / "endpoint")
    os.kill(s3_pid, signal.SIGKILL)
    try:
        c = cluster.client(tenant.keys["writer"])
        took = []
        for n in range(8):  # blob operations fail fast, in the error format
            t0 = time.monotonic()
            assert_error(c.request("POST", base, json=large), 503)
            took.append(time.monotonic() - t0)
        # The first ones are retried with backoff (a refused connection is
        # transient), until the blob store's breaker opens; then at once.
        print(f"\ns3rver down: large writes answered 503 after (s): {[round(x, 3) for x in took]}")
        assert max(took) < 5.0 and max(took[-4:]) < 0.2, took
        assert_error(c.request("GET", f"{base}/{big.body['id']}"), 503)
        for n in range(20):  # small records: unaffected
            w = c.request("POST", base, json={"small": n})
            assert w.status == 201, w
            assert c.request("GET", f"{base}/{w.body['id']}").status == 200
        ready = cluster.replicas[0].client().request("GET", "/health/ready")
        assert ready.status == 200 and ready.body["status"] == "degraded", ready.body
        assert ready.body["checks"]["blob_store"]["status"] == "unhealthy", ready.body
    finally:
        # s3rver again on the same port and directory (its objects are still there)
        port = endpoint.rsplit(":", 1)[1]
        proc = subprocess.Popen(["node", str(REPO / "tests/services/node_modules/s3rver/bin/s3rver.js"),
                                 "--directory", read(cluster.s3_state / "dir"), "--address", "127.0.0.1",
                                 "--port", port, "--configure-bucket", read(cluster.s3_state / "bucket"), "--silent"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        (cluster.s3_state / "pid").write_text(str(proc.pid))
    deadline = time.monotonic() + 60  # the blob store's breaker closes after open_duration (5 s here)
    while True:
        g = cluster.client(tenant.keys["reader"]).request("GET", f"{base}/{big.body['id']}")
        if g.status == 200:
            break
        assert time.monotonic() < deadline, g
        time.sleep(0.2)
    assert g.body["data"] == large


def test_rate_limits_are_shared_by_the_replicas(cluster):
    # Last: restarts the replicas with a tenant limit of 30 requests (no refill to speak of).
    cluster.restart_all({"VAULT_RATE_LIMIT_TENANT_RPS": "0.01", "VAULT_RATE_LIMIT_TENANT_BURST": "30"})
    t = make_tenant(cluster.replicas[0], cluster.client(cluster.admin_key))
    statuses = [on(cluster, i % 3, t.keys["reader"]).request("GET", "/api/v1/datasets").status for i in range(90)]
    assert statuses.count(200) == 30 and statuses.count(429) == 60, statuses
