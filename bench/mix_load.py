#!/usr/bin/env python3
"""Helper of bench/mix_bench.sh (python3 standard library only).

  seed     creates a tenant, admin/writer/reader keys, N datasets of M records (~300 B each,
           through records:batch) and writes DATA.json (open loop) and DATA.lua (wrk, bench/mix.lua)
  closed   turns the MIX_* lines that bench/mix.lua prints at the end of a wrk run into a table
  open     open-loop generator: fixed request rates of the same mix, each for a fixed time;
           latency is measured from the *scheduled* send time (coordinated-omission correct:
           a request that waits for a free connection, or behind a slow server, counts its wait)

The mix (spec 7.1): 40% GET dataset, 30% list records (limit=20), 20% single-record POST,
5% create dataset, 3% PATCH dataset / DELETE a record written earlier in the run, 2% admin
(GET /api/v1/tenants with the platform admin key, or GET /health/ready).
"""
import argparse
import asyncio
import collections
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import re
import resource
import subprocess
import sys
import time
from array import array

from procfs import cpu_seconds

KIND_NAMES = {"g": "get_dataset", "l": "list_records", "w": "write_record", "c": "create_dataset",
              "p": "patch_dataset", "d": "delete_record", "t": "admin_tenants", "h": "health_ready",
              "?": "unknown"}
KINDS = "glwcpdth"
GROUPS = [("get dataset", 40, "g"), ("list records", 30, "l"), ("write record", 20, "w"),
          ("create dataset", 5, "c"), ("update/delete", 3, "pd"), ("admin", 2, "th")]


def record_body(tag, i):
    return ('{"conversation_id":"c-%s-%d","source":"mix-bench","lang":"en","messages":['
            '{"role":"user","content":"My order arrived damaged, can I get a replacement?"},'
            '{"role":"assistant","content":"Sorry to hear that! I have started a replacement; '
            'you will get an email with the tracking number."}],"rating":%d,"seq":%d}'
            % (tag, i, i % 5 + 1, i))


def pct(sorted_values, p):
    """Nearest rank; inf counts as an unanswered request."""
    if not sorted_values:
        return float("nan")
    i = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[i - 1]


def fmt_ms(v):
    if v != v:
        return "-"
    if v == float("inf"):
        return "inf"
    return f"{v:.1f}" if v >= 100 else f"{v:.2f}"


def condense(body):
    """What an error answer says, in one short line: the error's type, message and details,
    or for /health/ready the checks that were not healthy."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    try:
        j = json.loads(body)
    except ValueError:
        return body[:200]
    if isinstance(j, dict) and isinstance(j.get("error"), dict):
        e = j["error"]
        return f"{e.get('type')}: {e.get('message')} {json.dumps(e.get('details'), separators=(',', ':'))}"[:300]
    if isinstance(j, dict) and isinstance(j.get("checks"), dict):
        bad = [f"{n}={c.get('status')} ({c.get('message')})" for n, c in j["checks"].items()
               if c.get("status") != "healthy"]
        return f"status {j.get('status')}: " + "; ".join(bad)
    return body[:200]


def machine_idle():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)   # idle + iowait, total (jiffies)


# ---------------------------------------------------------------------------------------------
# seed

def seed(a):
    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=120)

    def call(method, path, key, body=None):
        c.request(method, path, body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            sys.exit(f"mix_bench: seed: {method} {path} -> {r.status} {data[:300]!r}")
        return json.loads(data) if data else None

    t0 = time.monotonic()
    tenant = call("POST", "/api/v1/tenants", a.admin, json.dumps({"name": "mix-bench"}))["id"]
    keys = {}
    for role in ("admin", "writer", "reader"):
        keys[role] = call("POST", "/api/v1/api-keys", a.admin,
                          json.dumps({"name": f"mix-{role}", "role": role, "tenant_id": tenant}))["key"]
    datasets, nrec, nbytes = [], 0, 0
    for d in range(a.datasets):
        ds = call("POST", "/api/v1/datasets", keys["writer"],
                  json.dumps({"name": f"mix-seed-{d}", "description": "mix benchmark dataset",
                              "tags": ["bench", "mix"]}))["id"]
        recs = [record_body(f"s{d}", i) for i in range(a.records)]
        if recs:
            got = call("POST", f"/api/v1/datasets/{ds}/records:batch", keys["writer"],
                       '{"records":[' + ",".join(recs) + "]}")
            if got["count"] != len(recs):
                sys.exit(f"mix_bench: seed: batch stored {got['count']} of {len(recs)} records")
        datasets.append(ds)
        nrec += len(recs)
        nbytes += sum(len(r) for r in recs)
    data = {"platform": a.admin, "tenant": tenant, **keys, "datasets": datasets}
    with open(a.out_json, "w") as f:
        json.dump(data, f)
    with open(a.out_lua, "w") as f:
        f.write("return {\n")
        for k in ("platform", "admin", "writer", "reader"):
            f.write(f'  {k} = "{data[k]}",\n')
        f.write("  datasets = {" + ",".join(f'"{d}"' for d in datasets) + "},\n}\n")
    print(f"mix_bench: seeded tenant {tenant}: {len(datasets)} datasets, {nrec} records "
          f"(avg {nbytes / max(1, nrec):.0f} B) in {time.monotonic() - t0:.1f} s", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# closed loop report (wrk + bench/mix.lua)

def closed(a):
    cmd = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}", "--latency", "-s", a.script,
           f"http://127.0.0.1:{a.port}", "--", a.data_lua]
    v0, idle0, t0 = cpu_seconds(a.vaultd_pid), machine_idle(), time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(a.out, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    v1, idle1, t1 = cpu_seconds(a.vaultd_pid), machine_idle(), time.monotonic()
    text = open(a.out).read()
    m = re.search(r"^MIX_TOTAL (.*)$", text, re.M)
    if rc != 0 or not m:
        sys.exit(f"mix_bench: {' '.join(cmd)} exited {rc}:\n{text[-2000:]}")
    tot = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    status = collections.defaultdict(collections.Counter)
    for kind, code, n in re.findall(r"^MIX_STATUS (\S+) (\d+) (\d+)$", text, re.M):
        status[kind][int(code)] += int(n)
    samples = {(kind, int(code)): body for kind, code, body in re.findall(r"^MIX_SAMPLE (\S+) (\d+) (.*)$", text, re.M)}
    lat = {}
    for kind, rest in re.findall(r"^MIX_LAT (\S+) (.*)$", text, re.M):
        lat[kind] = {k: float(v) for k, v in (kv.split("=") for kv in rest.split())}
    secs = tot["duration_us"] / 1e6
    answered = sum(sum(c.values()) for c in status.values())
    print(f"{'request':<15} {'count':>8} {'share':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f" {'2xx':>7} {'3xx':>4} {'4xx':>5} {'5xx':>5}  other statuses")
    classes_total = collections.Counter()
    for kind in KINDS + "?":
        c = status.get(kind)
        if not c:
            continue
        n = sum(c.values())
        cls = collections.Counter()
        for code, k in c.items():
            cls[code // 100] += k
        classes_total.update(cls)
        odd = ", ".join(f"{code}x{k}" for code, k in sorted(c.items()) if code not in (200, 201, 204))
        l = lat.get(kind, {})
        print(f"{KIND_NAMES[kind]:<15} {n:>8} {100 * n / max(1, answered):>5.1f}% {n / secs:>8.0f}"
              f" {fmt_ms(l.get('p50', float('nan'))):>8} {fmt_ms(l.get('p95', float('nan'))):>8}"
              f" {fmt_ms(l.get('p99', float('nan'))):>8} {cls[2]:>7} {cls[3]:>4} {cls[4]:>5} {cls[5]:>5}  {odd}")
    print(f"{'all (wrk)':<15} {int(tot['requests']):>8} {'':>6} {tot['requests'] / secs:>8.0f}"
          f" {fmt_ms(tot['p50']):>8} {fmt_ms(tot['p95']):>8} {fmt_ms(tot['p99']):>8} {classes_total[2]:>7}"
          f" {classes_total[3]:>4} {classes_total[4]:>5} {classes_total[5]:>5}  max {fmt_ms(tot['max'])} ms")
    errs = {k: int(tot[k]) for k in ("connect", "read", "write", "timeout") if tot[k]}
    print("socket errors: " + (", ".join(f"{k} {v}" for k, v in errs.items()) if errs else "none")
          + f"; answered {answered} of {int(tot['requests'])} requests wrk counted")
    wall = t1 - t0
    wrk_cpu = (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) / wall
    idle = (idle1[0] - idle0[0]) / max(1, idle1[1] - idle0[1])
    print(f"cpu: vaultd {(v1 - v0) / wall:.2f} cores, wrk {wrk_cpu:.2f} cores, machine idle {idle:.0%} "
          f"(of {os.cpu_count()} cores)")
    for (kind, code), body in sorted(samples.items()):
        print(f"first {code} of {KIND_NAMES.get(kind, kind)}: {condense(body)}")


# ---------------------------------------------------------------------------------------------
# open loop

REC_ID = re.compile(rb'"id"\s*:\s*"(rec_[^"]+)"')
INF = float("inf")


class Conn(asyncio.Protocol):
    """One keep-alive connection, one request at a time (no pipelining)."""

    def __init__(self, gen):
        self.gen, self.tr, self.buf, self.cur, self.sent_at, self.dead = gen, None, b"", None, 0.0, False

    def connection_made(self, tr):
        self.tr = tr
        self.gen.conn_ready(self)

    def send(self, item):
        self.cur = item
        self.sent_at = time.monotonic()
        self.tr.write(item[1])

    def data_received(self, data):
        buf = self.buf + data if self.buf else data
        while self.cur is not None:
            he = buf.find(b"\r\n\r\n")
            if he < 0:
                break
            head = buf[:he].lower()
            try:
                status = int(head[9:12])
            except ValueError:
                status = 0
            cl = head.find(b"\ncontent-length:")
            if cl >= 0:
                e = head.find(b"\r", cl + 16)
                end = he + 4 + int(head[cl + 16:e if e >= 0 else len(head)])
                if len(buf) < end:
                    break
            elif b"transfer-encoding: chunked" in head:
                e = buf.find(b"0\r\n\r\n", he + 4)   # the routes of the mix never stream; good enough
                if e < 0:
                    break
                end = e + 5
            else:
                end = he + 4
            body = buf[he + 4:end]
            buf = buf[end:]
            self.gen.completed(self, status, body, b"\nconnection: close" in head)
        self.buf = buf

    def connection_lost(self, exc):
        self.dead = True
        self.gen.conn_lost(self)


class Gen:
    def __init__(self, cfg, wid, rate, duration, max_conns, init_conns, drain, start_at, tag):
        self.cfg, self.wid, self.rate, self.duration = cfg, wid, rate, duration
        self.max_conns, self.init_conns, self.drain, self.start_at, self.tag = max_conns, init_conns, drain, start_at, tag
        self.rnd = random.Random(hash((wid, tag)) & 0xFFFFFFFF)
        self.lat = {k: array("d") for k in KINDS}   # ms from the scheduled send
        self.svc = array("d")                         # ms from the actual write
        self.lag = array("d")                         # ms the generator dispatched behind schedule
        self.status = collections.Counter()           # (kind, status) -> n
        self.errors = collections.Counter()
        self.idle, self.backlog, self.conns, self.peak = [], collections.deque(), 0, 0
        self.written = []
        self.samples = {}
        self.answered = self.failed = 0
        self.last_answer = 0.0
        host = f"127.0.0.1:{cfg['port']}"
        self.host = host
        ds = cfg["datasets"]
        self.ds = ds
        self.seq = 0
        self.running = True

    # request building ------------------------------------------------------------------------
    def make(self, sched):
        self.seq += 1
        n = self.seq
        c = self.cfg
        r = self.rnd.random() * 100
        ds = self.ds[self.rnd.randrange(len(self.ds))]
        body = None
        extra = None
        if r < 40:
            kind, line, key = "g", f"GET /api/v1/datasets/{ds}", c["reader"]
        elif r < 70:
            kind, line, key = "l", f"GET /api/v1/datasets/{ds}/records?limit=20", c["reader"]
        elif r < 90:
            kind, line, key = "w", f"POST /api/v1/datasets/{ds}/records", c["writer"]
            body = record_body(f"o{self.wid}-{self.tag}", n)
            extra = ds
        elif r < 95:
            kind, line, key = "c", "POST /api/v1/datasets", c["writer"]
            body = ('{"name":"mixol-%s-%d-%d","description":"created by mix_bench","tags":["bench","mix"]}'
                    % (self.tag, self.wid, n))
        elif r < 98:
            if self.written and self.rnd.random() < 0.5:
                d, rec = self.written.pop()
                kind, line, key = "d", f"DELETE /api/v1/datasets/{d}/records/{rec}", c["writer"]
            else:
                kind, line, key = "p", f"PATCH /api/v1/datasets/{ds}", c["writer"]
                body = '{"description":"patched by mix_bench %s-%d-%d"}' % (self.tag, self.wid, n)
        else:
            if self.rnd.random() < 0.5:
                kind, line, key = "t", "GET /api/v1/tenants", c["platform"]
            else:
                kind, line, key = "h", "GET /health/ready", None
        head = f"{line} HTTP/1.1\r\nHost: {self.host}\r\n"
        if key:
            head += f"Authorization: Bearer {key}\r\n"
        if body is not None:
            b = body.encode()
            req = (head + f"Content-Type: application/json\r\nContent-Length: {len(b)}\r\n\r\n").encode() + b
        else:
            req = (head + "\r\n").encode()
        return (kind, req, sched, extra)

    # connections -----------------------------------------------------------------------------
    def open_conn(self):
        self.conns += 1
        self.peak = max(self.peak, self.conns)
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self):
        try:
            await asyncio.get_running_loop().create_connection(lambda: Conn(self), "127.0.0.1", self.cfg["port"])
        except OSError:
            self.conns -= 1
            self.errors["connect"] += 1
            if self.backlog and self.running:
                await asyncio.sleep(0.01)
                if self.conns < self.max_conns:
                    self.open_conn()

    def conn_ready(self, conn):
        if self.backlog:
            conn.send(self.backlog.popleft())
        else:
            self.idle.append(conn)

    def conn_lost(self, conn):
        self.conns -= 1
        if conn in self.idle:
            self.idle.remove(conn)
        if conn.cur is not None:
            self.errors["connection closed"] += 1
            self.failed += 1
            conn.cur = None
        if self.backlog and self.conns < self.max_conns:
            self.open_conn()

    def dispatch(self, item):
        if self.idle:
            self.idle.pop().send(item)
        else:
            self.backlog.append(item)
            if self.conns < self.max_conns:
                self.open_conn()

    def completed(self, conn, status, body, close):
        kind, _, sched, extra = conn.cur
        conn.cur = None
        now = time.monotonic()
        self.lat[kind].append((now - sched) * 1e3)
        self.svc.append((now - conn.sent_at) * 1e3)
        self.status[(kind, status)] += 1
        if status >= 400 and (kind, status) not in self.samples:
            self.samples[(kind, status)] = bytes(body[:4000])
        self.answered += 1
        self.last_answer = now
        if kind == "w" and status == 201:
            m = REC_ID.search(body)
            if m:
                self.written.append((extra, m.group(1).decode()))
        if close:
            conn.tr.close()   # conn_lost opens another one if the backlog needs it
        elif self.backlog:
            conn.send(self.backlog.popleft())
        else:
            self.idle.append(conn)

    # the run ---------------------------------------------------------------------------------
    async def run(self):
        self.running = True
        for _ in range(self.init_conns):
            self.open_conn()
        while time.monotonic() < self.start_at:
            await asyncio.sleep(min(0.05, max(0.0, self.start_at - time.monotonic())))
        n = max(1, int(self.rate * self.duration))
        interval = 1.0 / self.rate
        t0 = self.start_at
        cpu0, wall0 = time.process_time(), time.monotonic()
        i = 0
        mono, lag, dispatch, make = time.monotonic, self.lag, self.dispatch, self.make
        while i < n:
            now = mono()
            while i < n:
                sched = t0 + i * interval
                if sched > now:
                    break
                lag.append((now - sched) * 1e3)
                dispatch(make(sched))
                i += 1
            if i < n:
                d = t0 + i * interval - mono()
                await asyncio.sleep(d if d > 0 else 0)
        dispatched_at = mono()
        deadline = dispatched_at + self.drain
        while self.answered + self.failed < n and mono() < deadline:
            await asyncio.sleep(0.005)
        self.running = False
        cpu, wall = time.process_time() - cpu0, mono() - wall0
        unanswered = n - self.answered - self.failed
        if unanswered > 0:
            self.errors[f"no answer within {self.drain:.0f} s"] += unanswered
        return {"n": n, "answered": self.answered, "failed": self.failed, "unanswered": max(0, unanswered),
                "t0": t0, "dispatched_at": dispatched_at, "last_answer": self.last_answer,
                "cpu": cpu, "wall": wall, "lat": {k: v.tobytes() for k, v in self.lat.items()},
                "svc": self.svc.tobytes(), "lag": self.lag.tobytes(), "status": dict(self.status),
                "errors": dict(self.errors), "peak_conns": self.peak,
                "samples": self.samples}


def worker_main(cfg, wid, rate, duration, max_conns, init_conns, drain, start_at, tag, q):
    try:
        gen = Gen(cfg, wid, rate, duration, max_conns, init_conns, drain, start_at, tag)
        q.put(asyncio.run(gen.run()))
    except BaseException as e:  # report, never hang the parent
        q.put({"error": repr(e)})


def run_rate(cfg, rate, a):
    procs = a.procs
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start_at = time.monotonic() + 0.5
    ps = [ctx.Process(target=worker_main,
                      args=(cfg, w, rate / procs, a.duration, max(1, a.max_conns // procs),
                            max(1, a.init_conns // procs), a.drain, start_at, str(rate), q))
          for w in range(procs)]
    for p in ps:
        p.start()
    while time.monotonic() < start_at:
        time.sleep(0.01)
    v0, idle0, t0 = cpu_seconds(a.vaultd_pid), machine_idle(), time.monotonic()
    try:
        res = [q.get(timeout=a.duration + a.drain + 60) for _ in ps]
    except Exception:
        for p in ps:
            p.kill()
        sys.exit(f"mix_bench: open-loop workers did not report at {rate}/s")
    v1, idle1, t1 = cpu_seconds(a.vaultd_pid), machine_idle(), time.monotonic()
    for p in ps:
        p.join()
    bad = [r["error"] for r in res if "error" in r]
    if bad:
        sys.exit(f"mix_bench: open-loop worker failed: {bad[0]}")
    n = sum(r["n"] for r in res)
    answered = sum(r["answered"] for r in res)
    lost = sum(r["failed"] + r["unanswered"] for r in res)
    lat, lag, svc = array("d"), array("d"), array("d")
    per_kind = {}
    for r in res:
        for k, b in r["lat"].items():
            x = array("d")
            x.frombytes(b)
            lat.extend(x)
            per_kind.setdefault(k, array("d")).extend(x)
        x = array("d")
        x.frombytes(r["lag"])
        lag.extend(x)
        x = array("d")
        x.frombytes(r["svc"])
        svc.extend(x)
    all_lat = sorted(list(lat) + [INF] * lost)   # unanswered and dropped count as infinitely slow
    lag = sorted(lag)
    svc = sorted(svc)
    status = collections.Counter()
    errors = collections.Counter()
    for r in res:
        for (k, s), c in r["status"].items():
            status[(k, s)] += c
        errors.update(r["errors"])
    classes = collections.Counter()
    probe_5xx = 0
    for (k, s), c in status.items():
        classes[s // 100] += c
        if k == "h" and s >= 500:
            probe_5xx += c
    samples = {}
    for r in res:
        for key, body in r["samples"].items():
            samples.setdefault(key, body)
    t0w = min(r["t0"] for r in res)
    dispatch_span = max(r["dispatched_at"] for r in res) - t0w
    answer_span = max([r["last_answer"] for r in res if r["last_answer"]] or [t0w + a.duration]) - t0w
    sent_rate = n / max(dispatch_span, a.duration)
    achieved = answered / max(answer_span, a.duration)
    gen_cpu = max(r["cpu"] / r["wall"] for r in res)   # busiest generator process, share of one core
    wall = t1 - t0
    vaultd_cores = (v1 - v0) / wall
    idle_share = (idle1[0] - idle0[0]) / max(1, idle1[1] - idle0[1])
    lag99 = pct(lag, 99)
    p50, p99 = pct(all_lat, 50), pct(all_lat, 99)
    saturated = []   # why the generator did not keep its schedule (then the figures are not the server's alone)
    if gen_cpu > 0.9:
        saturated.append(f"generator cpu {gen_cpu:.0%} of a core")
    if lag99 > 10:
        saturated.append(f"dispatch lag p99 {lag99:.0f} ms")
    if sent_rate < 0.97 * rate:
        saturated.append(f"sent only {sent_rate:.0f}/s")
    if saturated and idle_share < 0.1:
        saturated.append(f"machine idle {idle_share:.0%}: generator and vaultd compete for the cores")
    ok = p99 < 200 and classes[5] == 0 and lost == 0
    api_ok = p99 < 200 and classes[5] == probe_5xx and lost == 0   # the same, /health/ready 503s apart
    odd = collections.Counter()
    for (k, s), c in status.items():
        if s not in (200, 201, 204):
            odd[f"{KIND_NAMES.get(k, k)} {s}"] += c
    return {"rate": rate, "n": n, "sent_rate": sent_rate, "achieved": achieved, "p50": p50, "p99": p99,
            "svc99": pct(svc, 99), "classes": classes, "lost": lost, "errors": errors, "lag99": lag99,
            "conns": sum(r["peak_conns"] for r in res), "gen_cpu": gen_cpu, "vaultd_cores": vaultd_cores, "idle": idle_share, "ok": ok,
            "saturated": saturated, "odd": odd, "api_ok": api_ok, "samples": samples,
            "kind_p99": {k: pct(sorted(v), 99) for k, v in per_kind.items() if len(v)}}


def open_loop(a):
    cfg = json.load(open(a.data))
    cfg["port"] = a.port
    rates = [int(r) for r in a.rates.split(",") if r.strip()]
    print(f"{'target/s':>8} {'sent/s':>7} {'done/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'svc p99':>7}"
          f" {'2xx':>7} {'4xx':>5} {'5xx':>5} {'errors':>6} {'gen lag99':>9} {'gen cpu':>7}"
          f" {'vaultd':>6} {'idle':>5} {'conns':>5}  verdict", flush=True)
    rows = []
    seen_samples = set()
    for rate in rates:
        r = run_rate(cfg, rate, a)
        rows.append(r)
        c = r["classes"]
        verdict = "ok" if r["ok"] else "FAIL (" + ", ".join(
            x for x in ([f"p99 {fmt_ms(r['p99'])} ms"] if r["p99"] >= 200 else [])
            + ([f"{c[5]} 5xx"] if c[5] else []) + ([f"{r['lost']} unanswered"] if r["lost"] else [])) + ")"
        if r["saturated"]:
            verdict += "; generator saturated (behind schedule): " + ", ".join(r["saturated"])
        print(f"{rate:>8} {r['sent_rate']:>7.0f} {r['achieved']:>7.0f} {fmt_ms(r['p50']):>7} {fmt_ms(r['p99']):>7}"
              f" {fmt_ms(r['svc99']):>7} {c[2]:>7} {c[4]:>5} {c[5]:>5} {r['lost']:>6} {r['lag99']:>7.1f}ms"
              f" {r['gen_cpu']:>7.0%} {r['vaultd_cores']:>6.2f} {r['idle']:>5.0%} {r['conns']:>5}  {verdict}", flush=True)
        if r["odd"] or r["errors"]:
            print("         " + "; ".join([f"{k} x{v}" for k, v in sorted(r["odd"].items())]
                                        + [f"{k} x{v}" for k, v in sorted(r["errors"].items())]), flush=True)
        for (k, code), body in sorted(r["samples"].items()):
            if (k, code) not in seen_samples:
                seen_samples.add((k, code))
                print(f"         first {code} of {KIND_NAMES.get(k, k)}: {condense(body)}", flush=True)
        if not r["api_ok"] and not a.keep_going:
            rest = [x for x in rates if x > rate]
            if rest:
                print(f"         (stopping: {rate}/s failed; not tried: {', '.join(map(str, rest))})", flush=True)
            break
        time.sleep(a.pause)
    good = [r for r in rows if r["ok"] and not r["saturated"]]
    good_sat = [r for r in rows if r["ok"] and r["saturated"]]
    if good:
        best = max(good, key=lambda r: r["rate"])
        print(f"highest rate holding p99 < 200 ms with 0 5xx: {best['rate']} req/s "
              f"(p99 {fmt_ms(best['p99'])} ms, answered {best['achieved']:.0f}/s)")
    else:
        print("highest rate holding p99 < 200 ms with 0 5xx: none of the rates tried with an unsaturated generator")
    if good_sat and (not good or max(r["rate"] for r in good_sat) > max(r["rate"] for r in good)):
        best = max(good_sat, key=lambda r: r["rate"])
        print(f"  (at {best['rate']} req/s the goal held too, but the generator was saturated: "
              f"{', '.join(best['saturated'])}; the figure is a lower bound set by the generator)")
    api_good = [r for r in rows if r["api_ok"] and not r["saturated"]]
    if api_good and (not good or max(r["rate"] for r in api_good) > max(r["rate"] for r in good)):
        best = max(api_good, key=lambda r: r["rate"])
        print(f"  not counting 503s of GET /health/ready: {best['rate']} req/s (p99 {fmt_ms(best['p99'])} ms)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--admin", required=True, help="platform admin (bootstrap) key")
    s.add_argument("--datasets", type=int, default=20)
    s.add_argument("--records", type=int, default=200)
    s.add_argument("--out-json", required=True)
    s.add_argument("--out-lua", required=True)
    c = sub.add_parser("closed", help="runs wrk with bench/mix.lua and prints the table")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--data-lua", required=True, help="DATA.lua written by seed")
    c.add_argument("--script", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "mix.lua"))
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--connections", type=int, default=64)
    c.add_argument("--duration", default="20s")
    c.add_argument("--vaultd-pid", type=int, default=0)
    c.add_argument("--out", required=True, help="wrk's output goes here")
    o = sub.add_parser("open")
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--data", required=True, help="DATA.json written by seed")
    o.add_argument("--rates", default="1000,2000,4000,6000,8000,10000")
    o.add_argument("--duration", type=float, default=10, help="seconds per rate")
    o.add_argument("--procs", type=int, default=1, help="generator processes (the rate is split)")
    o.add_argument("--max-conns", type=int, default=512, help="connections at most (all processes)")
    o.add_argument("--init-conns", type=int, default=32, help="connections opened before each rate")
    o.add_argument("--drain", type=float, default=5, help="seconds to wait for the last answers")
    o.add_argument("--pause", type=float, default=2, help="seconds between rates")
    o.add_argument("--keep-going", action="store_true", help="try every rate even after one failed")
    o.add_argument("--vaultd-pid", type=int, default=0)
    a = ap.parse_args()
    {"seed": seed, "closed": closed, "open": open_loop}[a.cmd](a)


if __name__ == "__main__":
    main()
