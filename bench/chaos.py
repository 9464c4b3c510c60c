#!/usr/bin/env python3
"""Chaos experiments against real vaultd processes (python3 standard library only).

Runs the chaos scenarios of the reliability spec (sections 3, 8, 10.4-10.5)
against vaultd processes it starts itself on free loopback ports, each with a
fresh temp data dir and its own YAML config, prints figures, and stops
everything afterwards. Timings are never judged: a benchmark prints figures.
The exit status is non-zero only when something is plainly broken: vaultd
crashed or exited non-zero on SIGTERM, a 5xx other than 503/504 was answered,
an accepted request was dropped without an answer during the SIGTERM drain,
or an acknowledged write was lost across kill -9.

Scenarios (--scenario N, default all):
  1  hung key provider: breaker opens, fail-fast latency, readiness, cached
     reads, recovery after the fault is cleared
  2  SIGTERM under keep-alive load: answered / dropped / 5xx, exit code and time
  3  overload far past the api_requests bulkhead (latency fault on the
     metadata store): admitted vs rejected, rejection shape, latencies, RSS
  4  noisy neighbour: a quiet tenant's errors and latency alone and next to a
     tenant hammering far above its rate limit; the noisy tenant's 429s
  5  kill -9 under single-record writes: restart time to /health/startup and
     /health/ready, every acknowledged record read back

Binaries come from $VAULT_BIN_DIR (default <repo>/build/bin). The server is
started through tests/e2e/vaultlib.py (VaultServer), like the end-to-end tests.
"""
import argparse
import http.client
import json
import math
import os
import platform
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import vaultlib  # noqa: E402  (finds vaultd through VAULT_BIN_DIR, like the e2e tests)
from vaultlib import VaultServer, make_tenant, new_dataset  # noqa: E402

PROBLEMS = []          # (scenario, message): anything plainly broken
SERVERS = []           # every VaultServer started, stopped at exit whatever happens
EXPECTED_5XX = {503, 504}


def problem(scn, msg):
    PROBLEMS.append((scn, msg))
    print(f"  !! PROBLEM: {msg}", flush=True)


def line(name, value):
    print(f"  {name:<46} {value}", flush=True)


# ---------------------------------------------------------------------------
# figures

def pct(values, p):
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


def ms(v):
    return "-" if v is None else f"{v * 1000:.1f} ms"


def lat(values):
    """'p50 / p99 / max' of latencies in seconds."""
    if not values:
        return "- (none)"
    return f"p50 {ms(pct(values, 50))}, p99 {ms(pct(values, 99))}, max {ms(max(values))} (n={len(values)})"


def counts(d):
    return ", ".join(f"{k}: {v}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "none"


def bump(d, k, n=1):
    d[k] = d.get(k, 0) + n


# ---------------------------------------------------------------------------
# HTTP: one keep-alive connection per thread

class Resp:
    __slots__ = ("status", "headers", "raw", "secs")

    def __init__(self, status, headers, raw, secs):
        self.status, self.headers, self.raw, self.secs = status, headers, raw, secs

    @property
    def json(self):
        ctype = (self.headers.get("Content-Type") or "").lower()
        if self.raw and ctype.startswith("application/json"):
            try:
                return json.loads(self.raw)
            except ValueError:
                return None
        return None

    @property
    def error(self):
        """The error object of an error answer, or {}."""
        b = self.json
        return b.get("error", {}) if isinstance(b, dict) and isinstance(b.get("error"), dict) else {}

    @property
    def etype(self):
        return self.error.get("type") or (f"HTTP {self.status}" if self.status >= 400 else "")

    def label(self):
        return f"{self.status} {self.etype}".strip()


class KeepAlive:
    """One HTTP/1.1 connection reused across requests; reconnects after the
    server closes it. Errors are raised (and the connection dropped)."""

    def __init__(self, port, key=None, timeout=30):
        self.port, self.key, self.timeout = port, key, timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, key=None):
        h = {}
        k = self.key if key is None else key
        if k:
            h["Authorization"] = f"Bearer {k}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
        except BaseException:
            self.close()
            raise
        secs = time.perf_counter() - t0
        if r.will_close:
            self.close()
        return Resp(r.status, r.headers, raw, secs)


def get_once(port, path, key=None, timeout=5):
    """A single request on a fresh connection; None on a connection error."""
    c = KeepAlive(port, key, timeout)
    try:
        return c.request("GET", path)
    except (OSError, http.client.HTTPException):
        return None
    finally:
        c.close()


def metric_values(srv, name):
    """{label-string: value} of one metric from /metrics ({} when unavailable)."""
    r = get_once(srv.port, "/metrics", srv.admin_key)
    out = {}
    if r is None or r.status != 200:
        return out
    for ln in r.raw.decode("utf-8", "replace").splitlines():
        if ln.startswith(name + "{") or ln.startswith(name + " "):
            head, _, val = ln.rpartition(" ")
            try:
                out[head[len(name):]] = float(val)
            except ValueError:
                pass
    return out


def proc_status(pid):
    """(VmRSS MB, VmHWM MB, threads) of a process, or None."""
    try:
        vals = {}
        with open(f"/proc/{pid}/status") as f:
            for ln in f:
                k, _, v = ln.partition(":")
                if k in ("VmRSS", "VmHWM", "Threads"):
                    vals[k] = int(v.split()[0])
        return vals["VmRSS"] / 1024, vals["VmHWM"] / 1024, vals["Threads"]
    except (OSError, KeyError, ValueError):
        return None


def check_5xx(scn, labels, where):
    """Flags 5xx answers other than 503/504 in a {label: count} map."""
    bad = {k: v for k, v in labels.items() if k[:1] == "5" and int(k[:3]) not in EXPECTED_5XX}
    if bad:
        problem(scn, f"{where}: unexpected 5xx answers {counts(bad)}")


# ---------------------------------------------------------------------------
# servers

class Run:
    def __init__(self, tmp):
        self.tmp = Path(tmp)

    def server(self, name, config, env=None):
        base = self.tmp / name
        base.mkdir()
        cli = []
        if config:
            (base / "vaultd.yaml").write_text(config)
            cli = ["--config", str(base / "vaultd.yaml")]
        srv = VaultServer(base / "data", base / "vaultd.log", admin_key="vk_chaos_" + secrets.token_hex(16),
                          env=env or {}, args=cli)
        SERVERS.append(srv)
        return srv

    @staticmethod
    def alive(scn, srv, where):
        if srv.proc is not None and srv.proc.poll() is not None:
            problem(scn, f"vaultd died {where} (exit {srv.proc.returncode}); log: {srv.log_path}")
            return False
        return True

    @staticmethod
    def stop(scn, srv):
        """SIGTERM; a non-zero exit is a problem. Prints the exit code."""
        if srv.proc is None:
            return
        if srv.proc.poll() is not None:
            problem(scn, f"vaultd had already exited with {srv.proc.returncode}; log: {srv.log_path}")
            return
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        try:
            code = srv.proc.wait(60)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait()
            problem(scn, "vaultd did not exit within 60 s of SIGTERM (killed)")
            return
        line("vaultd stopped (SIGTERM)", f"exit {code} after {time.monotonic() - t0:.2f} s")
        if code != 0:
            problem(scn, f"vaultd exited with {code} on SIGTERM; log: {srv.log_path}")


def kill_all():
    for srv in SERVERS:
        p = srv.proc
        if p is not None and p.poll() is None:
            p.kill()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass


def run_threads(targets):
    ths = [threading.Thread(target=fn, args=args, daemon=True) for fn, args in targets]
    for th in ths:
        th.start()
    return ths


def join(ths, timeout=60):
    end = time.monotonic() + timeout
    for th in ths:
        th.join(max(0.1, end - time.monotonic()))
    return sum(th.is_alive() for th in ths)


# ---------------------------------------------------------------------------
# 1. hung key provider

def scenario_hung_dependency(run, args):
    scn = 1
    cfg = ("faults: {enabled: true}\n"
           "timeouts: {kms: {operation_timeout: 300ms}}\n"
           "circuit_breaker: {failure_threshold: 2, open_duration: 2s}\n")
    srv = run.server("s1-hung-kms", cfg).start()
    admin = srv.client(srv.admin_key)
    t = make_tenant(srv, admin)
    writers = args.clients or 2
    line("config", cfg.strip().replace("\n", "; "))
    line("load", f"{writers} writers (first record of a never-written dataset: needs a new DEK from the "
                 f"key provider), 1 reader of cached records, readiness polled every 250 ms")

    # records written before the fault: their DEK is in the cache (TTL 5 min)
    warm = new_dataset(t.writer)
    warm_ids = []
    wc = KeepAlive(srv.port, t.keys["writer"])
    for i in range(20):
        r = wc.request("POST", f"/api/v1/datasets/{warm['id']}/records", {"warm": i})
        if r.status != 201:
            raise RuntimeError(f"setup write: {r.label()} {r.raw[:200]!r}")
        warm_ids.append(r.json["id"])
    base_first = []
    for i in range(10):
        d = new_dataset(t.writer)
        r = wc.request("POST", f"/api/v1/datasets/{d['id']}/records", {"n": i})
        if r.status == 201:
            base_first.append(r.secs)
    rc = KeepAlive(srv.port, t.keys["reader"])
    base_read = [rc.request("GET", f"/api/v1/datasets/{warm['id']}/records/{warm_ids[i % 20]}").secs
                 for i in range(50)]
    line("no fault: first write to a new dataset", lat(base_first))
    line("no fault: cached read", lat(base_read))

    r = admin.request("POST", "/api/v1/admin/faults",
                      json={"dependency": "key_provider", "kind": "hang", "percent": 100})
    if r.status != 201:
        raise RuntimeError(f"could not set the fault: {r.status} {r.body!r}")
    t_fault = time.monotonic()
    stop = threading.Event()
    lock = threading.Lock()
    writes = []      # (t since fault, secs, status, type)
    reads = []       # (secs, status label)
    ready = []       # (t, http status, body status, breaker state)

    def writer(w):
        c = KeepAlive(srv.port, t.keys["writer"])
        ds = new_dataset(t.writer)["id"]
        i = 0
        while not stop.is_set():
            i += 1
            t0 = time.monotonic()
            try:
                r = c.request("POST", f"/api/v1/datasets/{ds}/records", {"w": w, "i": i})
                rec = (t0 - t_fault, r.secs, r.status, r.etype)
            except (OSError, http.client.HTTPException) as e:
                rec = (t0 - t_fault, time.monotonic() - t0, 0, f"connection error {e!r}")
            with lock:
                writes.append(rec)
            if rec[2] == 201:
                ds = new_dataset(t.writer)["id"]  # that one has its DEK now: take a fresh one
            time.sleep(0.02)
        c.close()

    def reader():
        c = KeepAlive(srv.port, t.keys["reader"])
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = c.request("GET", f"/api/v1/datasets/{warm['id']}/records/{warm_ids[i % len(warm_ids)]}")
                rec = (r.secs, r.label())
            except (OSError, http.client.HTTPException):
                rec = (0.0, "connection error")
            with lock:
                reads.append(rec)
            time.sleep(0.02)
        c.close()

    def prober():
        while not stop.is_set():
            t0 = time.monotonic() - t_fault
            r = get_once(srv.port, "/health/ready")
            st = metric_values(srv, "vault_circuit_breaker_state").get('{dependency="key_provider"}')
            body = r.json if r is not None else None
            with lock:
                ready.append((t0, r.status if r else 0, (body or {}).get("status"), st, r.secs if r else None))
            stop.wait(0.25)

    ths = run_threads([(writer, (w,)) for w in range(writers)] + [(reader, ()), (prober, ())])
    stop.wait(args.duration)
    stop.set()
    join(ths)
    Run.alive(scn, srv, "while the key provider hung")

    # classify the writes made under the fault
    opened_at = next((w for w in writes if w[3] == "CircuitOpenError"), None)
    before = [w for w in writes if opened_at is None or w[0] < opened_at[0]]
    after = [w for w in writes if opened_at is not None and w[0] >= opened_at[0]]
    fast = [w[1] for w in after if w[3] == "CircuitOpenError"]
    probes = [w for w in after if w[3] != "CircuitOpenError" and w[2] != 201]
    ok_during = sum(1 for w in writes if w[2] == 201)
    labels = {}
    for w in writes:
        bump(labels, f"{w[2]} {w[3]}".strip())
    line("writes under the fault", f"{len(writes)} ({counts(labels)})")
    line("failures before the breaker opened",
         ", ".join(f"{w[2]} {w[3]} in {ms(w[1])}" for w in before[:8]) + (" ..." if len(before) > 8 else "")
         if before else "none")
    if opened_at:
        line("breaker first seen open", f"{opened_at[0]:.2f} s after the fault was set "
                                        f"(after {len(before)} failed calls)")
    else:
        line("breaker first seen open", "never (no CircuitOpenError answer)")
    line("fail fast (CircuitOpenError) latency", lat(fast))
    line("CircuitOpenError answers slower than 100 ms", sum(1 for f in fast if f > 0.1))
    line("slow failures after it opened (half-open probes)",
         f"{len(probes)}: {lat([w[1] for w in probes])}" if probes else "0")
    if ok_during:
        line("writes that succeeded under a 100% hang", ok_during)
    rstat = {}
    rsecs = []
    for tt, st, body, cb, secs in ready:
        if opened_at and tt >= opened_at[0]:
            bump(rstat, f"{st} {body}")
            if secs is not None:
                rsecs.append(secs)
    line("readiness while the breaker was open/cycling", counts(rstat))
    line("readiness probe latency meanwhile", lat(rsecs))
    cbs = {}
    for _, _, _, cb, _ in ready:
        bump(cbs, {0.0: "closed", 1.0: "open", 2.0: "half-open"}.get(cb, str(cb)))
    line("breaker state samples (vault_circuit_breaker_state)", counts(cbs))
    rl = {}
    for _, lab in reads:
        bump(rl, lab)
    ok_reads = [s for s, lab in reads if lab.startswith("200")]
    line("cached reads under the fault", f"{len(ok_reads)}/{len(reads)} ok ({counts(rl)})")
    line("cached read latency under the fault", lat(ok_reads))
    check_5xx(scn, labels, "writes under the fault")
    check_5xx(scn, rl, "cached reads under the fault")

    # recovery: clear the fault, write the first record of a new dataset until it works
    t_clear = time.monotonic()
    d = admin.request("DELETE", "/api/v1/admin/faults")
    if d.status != 204:
        problem(scn, f"DELETE /api/v1/admin/faults answered {d.status}")
    recovered = ready_200 = ready_ready = None
    ready_200_status = None
    attempts = {}
    wc = KeepAlive(srv.port, t.keys["writer"])
    limit = max(30, args.duration)
    while time.monotonic() - t_clear < limit:
        if recovered is None:
            ds = new_dataset(t.writer)["id"]
            r = wc.request("POST", f"/api/v1/datasets/{ds}/records", {"after": 1})
            bump(attempts, r.label())
            if r.status == 201:
                recovered = time.monotonic() - t_clear
        if ready_ready is None:
            r = get_once(srv.port, "/health/ready")
            if r is not None and r.status == 200:
                st = (r.json or {}).get("status")
                if ready_200 is None:
                    ready_200, ready_200_status = time.monotonic() - t_clear, st
                if st == "ready":
                    ready_ready = time.monotonic() - t_clear
        if recovered is not None and ready_ready is not None:
            break
        time.sleep(0.05)
    line("recovery: first 201 after DELETE faults",
         f"{recovered:.2f} s (open_duration 2 s; attempts {counts(attempts)})" if recovered is not None
         else f"NOT within {limit:g} s ({counts(attempts)})")
    line("recovery: /health/ready first 200 after",
         f"{ready_200:.2f} s (status {ready_200_status})" if ready_200 is not None else "NOT seen")
    line("recovery: /health/ready status ready after",
         f"{ready_ready:.2f} s" if ready_ready is not None else "NOT seen")
    check_5xx(scn, attempts, "recovery writes")
    if Run.alive(scn, srv, "after recovery"):
        Run.stop(scn, srv)


# ---------------------------------------------------------------------------
# 2. SIGTERM under load

def scenario_sigterm(run, args):
    scn = 2
    cfg = "timeouts: {jobs: {drain_delay: 1s}}\n"
    srv = run.server("s2-sigterm", cfg).start()
    admin = srv.client(srv.admin_key)
    t = make_tenant(srv, admin)
    ds = new_dataset(t.writer)
    nclients = args.clients or 6
    line("config", cfg.strip())
    line("load", f"{nclients} keep-alive clients, 2 GET dataset : 1 POST record, "
                 f"{args.duration:g} s then SIGTERM")
    c = {"before": 0, "after": 0, "refused": 0, "dropped": 0, "reset_at_close": 0, "conn_close": 0}
    statuses = {}
    lat_before, lat_after = [], []
    dropped = []
    lock = threading.Lock()
    stop = threading.Event()
    sig = [None, None]   # monotonic time of SIGTERM, end of the drain window

    def client(n):
        conn, answered_on_conn, i = None, 0, 0
        while not stop.is_set():
            i += 1
            if conn is None:
                answered_on_conn = 0
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
                try:
                    conn.connect()
                except OSError:
                    with lock:
                        c["refused"] += 1
                    conn = None
                    time.sleep(0.01)
                    continue
            t0 = time.monotonic()
            try:
                if i % 3 == 0:
                    conn.request("POST", f"/api/v1/datasets/{ds['id']}/records", body=b'{"n": %d}' % i,
                                 headers={"Authorization": "Bearer " + t.keys["writer"],
                                          "Content-Type": "application/json"})
                else:
                    conn.request("GET", f"/api/v1/datasets/{ds['id']}",
                                 headers={"Authorization": "Bearer " + t.keys["reader"]})
                resp = conn.getresponse()
                resp.read()
                secs = time.monotonic() - t0
                answered_on_conn += 1
                with lock:
                    after = sig[0] is not None and t0 >= sig[0]
                    c["after" if after else "before"] += 1
                    (lat_after if after else lat_before).append(secs)
                    bump(statuses, str(resp.status))
                    if resp.getheader("Connection", "").lower() == "close":
                        c["conn_close"] += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (http.client.HTTPException, OSError) as e:
                late = sig[1] is not None and time.monotonic() >= sig[1] - 0.05
                with lock:
                    if answered_on_conn == 0 and late:
                        c["reset_at_close"] += 1   # the server never saw it (see test_resilience.py)
                    else:
                        c["dropped"] += 1
                        dropped.append(repr(e))
                conn.close()
                conn = None

    ths = run_threads([(client, (n,)) for n in range(nclients)])
    time.sleep(args.duration)
    Run.alive(scn, srv, "under load before SIGTERM")
    t0 = time.monotonic()
    sig[0], sig[1] = t0, t0 + 1.0
    srv.signal(signal.SIGTERM)
    try:
        code = srv.proc.wait(90)
    except subprocess.TimeoutExpired:
        code = None
        srv.proc.kill()
        srv.proc.wait()
    exit_secs = time.monotonic() - t0
    time.sleep(0.3)
    stop.set()
    join(ths)
    total = c["before"] + c["after"]
    line("answered before SIGTERM", f"{c['before']} ({c['before'] / args.duration:.0f} req/s), {lat(lat_before)}")
    line("answered after SIGTERM (drain window)", f"{c['after']}, {lat(lat_after)}")
    line("answered with Connection: close", c["conn_close"])
    line("status codes", counts(statuses))
    line("5xx answers", sum(v for k, v in statuses.items() if k.startswith("5")))
    line("dropped (sent, connection lost, no answer)", c["dropped"] if not dropped else
         f"{c['dropped']} e.g. {dropped[:2]}")
    line("reset at close (never seen by the server)", c["reset_at_close"])
    line("connect attempts refused after the listener closed", c["refused"])
    line("exit code / time to exit after SIGTERM",
         f"{code} / {exit_secs:.2f} s (drain_delay 1 s)" if code is not None else "did NOT exit within 90 s (killed)")
    if code != 0:
        problem(scn, f"exit code {code} after SIGTERM; log: {srv.log_path}")
    if c["dropped"]:
        problem(scn, f"{c['dropped']} accepted requests dropped without an answer")
    if total == 0:
        problem(scn, "no request was answered at all")
    check_5xx(scn, statuses, "SIGTERM load")


# ---------------------------------------------------------------------------
# 3. overload far past the bulkheads

def scenario_overload(run, args):
    scn = 3
    cfg = ("faults: {enabled: true}\n"
           "bulkheads: {api_requests: {max_concurrent: 4, queue_size: 8, timeout: 2s}}\n")
    srv = run.server("s3-overload", cfg).start()
    admin = srv.client(srv.admin_key)
    t = make_tenant(srv, admin)
    ds = new_dataset(t.writer)
    nclients = args.clients or 64
    fault = {"dependency": "metadata_store", "kind": "latency", "latency_ms": 50, "percent": 100}
    line("config", cfg.strip().replace("\n", "; "))
    line("fault", json.dumps(fault))
    line("load", f"{nclients} keep-alive clients, GET /api/v1/datasets/{{id}} back to back, {args.duration:g} s")
    pid = srv.proc.pid
    rss_before = proc_status(pid)

    r = admin.request("POST", "/api/v1/admin/faults", json=fault)
    if r.status != 201:
        raise RuntimeError(f"could not set the fault: {r.status} {r.body!r}")
    lock = threading.Lock()
    stop = threading.Event()
    admitted, rejected = [], []
    labels, by_bulkhead = {}, {}
    nonconforming = {}     # rejections that are not 503 + Retry-After + OverloadedError
    conn_errors = []
    rss_samples, active_samples = [], []

    def client(n):
        c = KeepAlive(srv.port, t.keys["reader"], timeout=60)
        while not stop.is_set():
            try:
                r = c.request("GET", f"/api/v1/datasets/{ds['id']}")
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    conn_errors.append(repr(e))
                time.sleep(0.01)
                continue
            with lock:
                bump(labels, r.label())
                if 200 <= r.status < 300:
                    admitted.append(r.secs)
                elif r.status in (503, 429) or r.etype == "OverloadedError":
                    rejected.append(r.secs)
                    e = r.error
                    bump(by_bulkhead, f"{r.status} {r.etype} "
                                      f"({(e.get('details') or {}).get('bulkhead', 'no bulkhead named')})")
                    flaws = []
                    if r.status != 503:
                        flaws.append(f"status {r.status}")
                    if r.etype != "OverloadedError":
                        flaws.append(f"type {r.etype}")
                    if not r.headers.get("Retry-After"):
                        flaws.append("no Retry-After")
                    if flaws:
                        bump(nonconforming, ", ".join(flaws))
        c.close()

    def sampler():
        t0 = time.monotonic()
        while not stop.is_set():
            s = proc_status(pid)
            if s:
                rss_samples.append((time.monotonic() - t0, *s))
            stop.wait(1.0)

    def active_sampler():
        while not stop.is_set():
            v = metric_values(srv, "vault_active_requests")
            if v:
                active_samples.append(sum(v.values()))
            stop.wait(1.0)

    t_start = time.monotonic()
    ths = run_threads([(client, (n,)) for n in range(nclients)] + [(sampler, ()), (active_sampler, ())])
    stop.wait(args.duration)
    stop.set()
    stuck = join(ths, 90)
    elapsed = time.monotonic() - t_start
    alive = Run.alive(scn, srv, "under overload")
    rss_after = proc_status(pid) if alive else None
    if alive:
        admin.request("DELETE", "/api/v1/admin/faults")
    time.sleep(2)
    rss_after2 = proc_status(pid) if alive else None
    live = get_once(srv.port, "/health/live") if alive else None
    total = sum(labels.values())
    line("requests answered", f"{total} in {elapsed:.1f} s ({total / elapsed:.0f} req/s)")
    line("admitted (2xx)", f"{len(admitted)} ({len(admitted) / elapsed:.0f} req/s)")
    line("rejected (503/429/OverloadedError)", f"{len(rejected)}" + (
        "  (the api_requests bulkhead had no visible effect)" if not rejected else ""))
    line("answers by status and type", counts(labels))
    if rejected:
        line("rejections by bulkhead", counts(by_bulkhead))
        line("every rejection 503 + Retry-After + OverloadedError",
             "yes" if not nonconforming else f"NO: {counts(nonconforming)}")
    line("admitted latency", lat(admitted))
    line("rejection latency", lat(rejected))
    line("connection errors", f"{len(conn_errors)}" + (f" e.g. {conn_errors[:2]}" if conn_errors else ""))
    if active_samples:
        line("vault_active_requests (sampled 1/s)", f"max {max(active_samples):.0f}, "
                                                     f"mean {sum(active_samples) / len(active_samples):.1f}")
    if rss_before:
        line("RSS before (VmRSS / VmHWM, threads)", f"{rss_before[0]:.1f} / {rss_before[1]:.1f} MB, {rss_before[2]}")
    if rss_samples:
        rs = [s[1] for s in rss_samples]
        line("RSS during (VmRSS min / mean / max)", f"{min(rs):.1f} / {sum(rs) / len(rs):.1f} / {max(rs):.1f} MB"
                                                     f" ({len(rs)} samples, 1/s)")
        line("RSS during, per second", " ".join(f"{s[1]:.0f}" for s in rss_samples))
        line("threads during (max)", max(s[3] for s in rss_samples))
    if rss_after:
        line("RSS right after (VmRSS / VmHWM)", f"{rss_after[0]:.1f} / {rss_after[1]:.1f} MB")
    if rss_after2:
        line("RSS 2 s after (VmRSS / VmHWM)", f"{rss_after2[0]:.1f} / {rss_after2[1]:.1f} MB")
    line("vaultd alive afterwards (/health/live)", f"yes ({live.status})" if live is not None else "NO")
    if stuck:
        problem(scn, f"{stuck} client threads did not finish within 90 s")
    check_5xx(scn, labels, "overload")
    if alive:
        if live is None:
            problem(scn, "vaultd did not answer /health/live after the overload")
        Run.stop(scn, srv)


# ---------------------------------------------------------------------------
# 4. noisy neighbour

def scenario_noisy_neighbour(run, args):
    scn = 4
    cfg = "rate_limits: {per_tenant: {requests_per_second: 50, burst: 50}}\n"
    srv = run.server("s4-noisy", cfg).start()
    admin = srv.client(srv.admin_key)
    quiet, noisy = make_tenant(srv, admin, "quiet"), make_tenant(srv, admin, "noisy")
    qds, nds = new_dataset(quiet.writer), new_dataset(noisy.writer)
    nnoisy = args.clients or 4
    phase = args.duration / 2
    line("config", cfg.strip())
    line("load", f"quiet tenant ~10 req/s for {phase:g} s alone, then {phase:g} s next to the noisy tenant "
                 f"({nnoisy} threads back to back)")
    lock = threading.Lock()

    def quiet_phase(secs):
        c = KeepAlive(srv.port, quiet.keys["reader"])
        res = []
        t0 = time.monotonic()
        k = 0
        while time.monotonic() - t0 < secs:
            due = t0 + k * 0.1
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            k += 1
            try:
                r = c.request("GET", f"/api/v1/datasets/{qds['id']}")
                res.append((r.secs, r.label()))
            except (OSError, http.client.HTTPException):
                res.append((None, "connection error"))
        c.close()
        return res, time.monotonic() - t0

    def report_quiet(name, res, secs):
        labs = {}
        for _, lab in res:
            bump(labs, lab)
        ok = [s for s, lab in res if lab.startswith("2")]
        errs = len(res) - len(ok)
        line(f"quiet tenant, {name}: requests", f"{len(res)} ({len(res) / secs:.1f} req/s): {counts(labs)}")
        line(f"quiet tenant, {name}: error rate", f"{errs / max(1, len(res)) * 100:.2f} % ({errs})")
        line(f"quiet tenant, {name}: latency", lat(ok))
        check_5xx(scn, labs, f"quiet tenant {name}")

    res1, secs1 = quiet_phase(phase)
    report_quiet("alone", res1, secs1)

    stop = threading.Event()
    nlabels = {}
    n429 = {"n": 0, "retry_after": 0, "limit": 0, "remaining": 0, "reset": 0}
    ok_lat, rej_lat = [], []
    examples = {}

    def hammer(n):
        c = KeepAlive(srv.port, noisy.keys["reader"])
        while not stop.is_set():
            try:
                r = c.request("GET", f"/api/v1/datasets/{nds['id']}")
            except (OSError, http.client.HTTPException):
                with lock:
                    bump(nlabels, "connection error")
                continue
            with lock:
                bump(nlabels, r.label())
                if r.status == 429:
                    n429["n"] += 1
                    rej_lat.append(r.secs)
                    h = r.headers
                    n429["retry_after"] += bool(h.get("Retry-After"))
                    n429["limit"] += bool(h.get("X-RateLimit-Limit"))
                    n429["remaining"] += bool(h.get("X-RateLimit-Remaining"))
                    n429["reset"] += bool(h.get("X-RateLimit-Reset"))
                    examples.setdefault("429", {k: h.get(k) for k in (
                        "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")})
                elif 200 <= r.status < 300:
                    ok_lat.append(r.secs)
        c.close()

    t_noisy = time.monotonic()
    ths = run_threads([(hammer, (n,)) for n in range(nnoisy)])
    time.sleep(0.5)  # let the noisy tenant spend its burst first
    res2, secs2 = quiet_phase(phase)
    stop.set()
    join(ths)
    noisy_secs = time.monotonic() - t_noisy
    report_quiet("next to the noisy one", res2, secs2)
    total = sum(nlabels.values())
    line("noisy tenant: requests", f"{total} ({total / noisy_secs:.0f} req/s): {counts(nlabels)}")
    line("noisy tenant: 429 share", f"{n429['n'] / max(1, total) * 100:.1f} %")
    line("noisy tenant: admitted rate", f"{len(ok_lat) / noisy_secs:.1f} req/s (limit 50 req/s, burst 50)")
    line("noisy tenant: admitted latency", lat(ok_lat))
    line("noisy tenant: 429 latency", lat(rej_lat))
    if n429["n"]:
        def share(k):
            return "all" if n429[k] == n429["n"] else f"{n429[k]}/{n429['n']}"
        line("noisy 429s with Retry-After", share("retry_after"))
        line("noisy 429s with X-RateLimit-Limit/-Remaining/-Reset",
             f"{share('limit')} / {share('remaining')} / {share('reset')}")
        line("a 429's headers", json.dumps(examples.get("429")))
    else:
        line("noisy 429s", "none: the per-tenant limit had no visible effect")
    check_5xx(scn, nlabels, "noisy tenant")
    if Run.alive(scn, srv, "after the noisy neighbour"):
        Run.stop(scn, srv)


# ---------------------------------------------------------------------------
# 5. kill -9 under writes

def launch_timed(srv, limit=120):
    """Starts vaultd; (seconds to /health/startup 200, to /health/ready 200)
    from the process start (None for one not seen within `limit`), or None
    when the process exited."""
    t0 = time.monotonic()
    srv.launch()
    t_startup = t_ready = None
    while time.monotonic() - t0 < limit and (t_startup is None or t_ready is None):
        if srv.proc.poll() is not None:
            return None
        if t_startup is None:
            r = get_once(srv.port, "/health/startup", timeout=2)
            if r is not None and r.status == 200:
                t_startup = time.monotonic() - t0
        if t_ready is None:
            r = get_once(srv.port, "/health/ready", timeout=2)
            if r is not None and r.status == 200:
                t_ready = time.monotonic() - t0
        time.sleep(0.005)
    return t_startup, t_ready


def scenario_kill9(run, args):
    scn = 5
    srv = run.server("s5-kill9", None)
    first = launch_timed(srv)
    if first is None or first[1] is None:
        raise RuntimeError(f"vaultd did not start; log: {srv.log_path}")
    admin = srv.client(srv.admin_key)
    t = make_tenant(srv, admin)
    ds = new_dataset(t.writer)
    path = f"/api/v1/datasets/{ds['id']}/records"
    nwriters = args.clients or 4
    line("load", f"{nwriters} writers, single-record POSTs (~150 B), {args.duration:g} s, then kill -9")
    acked, lock, stop = {}, threading.Lock(), threading.Event()
    labels = {}
    inflight = [0]
    conn_errors = [0]

    def writer(w):
        c = KeepAlive(srv.port, t.keys["writer"])
        i = 0
        while not stop.is_set():
            data = {"w": w, "i": i, "pad": "p" * 100}
            with lock:
                inflight[0] += 1
            try:
                r = c.request("POST", path, data)
            except (OSError, http.client.HTTPException):
                with lock:
                    conn_errors[0] += 1
                return  # the server died under us: not acknowledged
            finally:
                with lock:
                    inflight[0] -= 1
            with lock:
                bump(labels, r.label())
                if r.status == 201:
                    acked[r.json["id"]] = data
            i += 1
        c.close()

    ths = run_threads([(writer, (w,)) for w in range(nwriters)])
    time.sleep(args.duration)
    Run.alive(scn, srv, "before kill -9")
    with lock:
        pending_at_kill = inflight[0]
    srv.kill9()
    stop.set()
    join(ths)
    line("acknowledged writes (201) before the kill", f"{len(acked)} ({len(acked) / args.duration:.0f}/s)")
    line("answers before the kill", counts(labels))
    line("requests in flight at the kill (outcome unknown)", pending_at_kill)
    line("writers cut off by a connection error", conn_errors[0])
    check_5xx(scn, labels, "writes before kill -9")

    # restart on the same data dir and port
    times = launch_timed(srv)
    if times is None:
        problem(scn, f"vaultd exited with {srv.proc.returncode} during the restart; log: {srv.log_path}")
        return
    t_startup, t_ready = times
    line("restart: process start to /health/startup 200", f"{t_startup:.3f} s" if t_startup else "NOT within 120 s")
    line("restart: process start to /health/ready 200", f"{t_ready:.3f} s" if t_ready else "NOT within 120 s")
    if first:
        line("(first start, empty data dir, for comparison)", f"startup {first[0]:.3f} s, ready {first[1]:.3f} s")
    if t_ready is None:
        problem(scn, "vaultd did not become ready after the restart")
        return

    # every acknowledged record must be readable, with its data
    items = list(acked.items())
    lost, lost_examples, lk = [0], [], threading.Lock()

    def verify(part):
        c = KeepAlive(srv.port, t.keys["reader"])
        for rid, data in part:
            try:
                r = c.request("GET", f"{path}/{rid}")
                good = r.status == 200 and (r.json or {}).get("data") == data
                why = r.label()
            except (OSError, http.client.HTTPException) as e:
                good, why = False, repr(e)
            if not good:
                with lk:
                    lost[0] += 1
                    if len(lost_examples) < 5:
                        lost_examples.append((rid, why))
        c.close()

    tv = time.monotonic()
    nv = 4
    join(run_threads([(verify, (items[i::nv],)) for i in range(nv)]), 600)
    line("acknowledged records read back", f"{len(items) - lost[0]}/{len(items)} in {time.monotonic() - tv:.1f} s")
    line("lost acknowledged writes", f"{lost[0]}" + (f" e.g. {lost_examples}" if lost_examples else ""))
    stats = srv.client(t.keys["reader"]).request("GET", f"/api/v1/datasets/{ds['id']}/stats")
    if stats.status == 200 and isinstance(stats.body, dict):
        n = stats.body.get("records")
        line("records in the dataset after restart", f"{n} (acknowledged {len(acked)}; "
                                                     f"extra = in-flight writes that committed)")
    if lost[0]:
        problem(scn, f"{lost[0]} acknowledged writes lost across kill -9")
    w = srv.client(t.keys["writer"]).request("POST", path, json={"after": "restart"})
    line("a write after the restart", f"{w.status}")
    if Run.alive(scn, srv, "after the restart"):
        Run.stop(scn, srv)


# ---------------------------------------------------------------------------

SCENARIOS = {
    1: ("hung dependency (key provider hangs; breaker, fail fast, readiness, recovery)", scenario_hung_dependency),
    2: ("SIGTERM under keep-alive load", scenario_sigterm),
    3: ("overload far past the api_requests bulkhead", scenario_overload),
    4: ("noisy neighbour (per-tenant rate limit)", scenario_noisy_neighbour),
    5: ("kill -9 under single-record writes", scenario_kill9),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", type=int, choices=sorted(SCENARIOS), action="append",
                    help="run only this scenario (repeatable; default all)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load per scenario (default 30)")
    ap.add_argument("--clients", type=int, default=0,
                    help="client threads (default per scenario: 1: 2 writers, 2: 6, 3: 64, 4: 4 noisy, 5: 4)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (vaultd logs and data dirs)")
    args = ap.parse_args()
    if args.duration <= 0:
        ap.error("--duration must be > 0")

    print("command: " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]]))
    print(f"vaultd: {vaultlib.VAULTD}  ({platform.node()}, {os.cpu_count()} cores, python {platform.python_version()})")
    if not vaultlib.VAULTD.exists():
        print(f"{vaultlib.VAULTD} is missing: build it first (scripts/build.sh build vaultd)", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="vault-chaos.")
    run = Run(tmp)
    try:
        for n in sorted(set(args.scenario or SCENARIOS)):
            title, fn = SCENARIOS[n]
            print(f"\n== scenario {n}: {title} ==", flush=True)
            t0 = time.monotonic()
            try:
                fn(run, args)
            except Exception as e:  # a scenario that cannot finish is broken, the others still run
                problem(n, f"scenario aborted: {e!r}")
            finally:
                kill_all()
            line("scenario wall time", f"{time.monotonic() - t0:.1f} s")
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        PROBLEMS.append((0, "interrupted"))
    finally:
        kill_all()
        if args.keep or PROBLEMS:
            print(f"\nlogs and data kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    if PROBLEMS:
        print(f"BROKEN: {len(PROBLEMS)} problem(s)")
        for n, msg in PROBLEMS:
            print(f"  scenario {n}: {msg}")
        return 1
    print("no crash, no unexpected 5xx, no dropped request, no lost acknowledged write")
    return 0


if __name__ == "__main__":
    sys.exit(main())
