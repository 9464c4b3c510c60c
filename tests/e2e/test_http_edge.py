"""The HTTP edge under abuse: authentication from the headers before any body
byte is read, the connection cap, Content-Type matching and /metrics access.

The flood test prints vaultd's resident memory before, at the peak of and
after 200 parallel unauthenticated 30 MiB uploads, to stderr and to
<build>/Testing/Temporary/http_edge_rss.txt (or $VAULT_EDGE_REPORT).
"""
import http.client
import os
import re
import secrets
import select
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from vaultlib import (BIN_DIR, NO_KEY, VAULTD, Client, VaultServer, assert_error, assert_error_shape, free_port,
                      import_jsonl, jsonl_lines, make_tenant, new_dataset, parse_raw_response, raw_exchange)

ANNOUNCED = 31457280          # 30 MiB announced by every flood request
SENT_PER_REQUEST = 2 << 20    # bytes each flood client really tries to send (a buffering server keeps them)
FLOOD = 200


def admin_key():
    return "vk_e2e_" + secrets.token_hex(16)


def no_quarantine_env():
    # Under ASan freed blocks sit in a quarantine that would look like growth.
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"}


def is_asan_build() -> bool:
    with open(VAULTD, "rb") as f:
        return b"AddressSanitizer" in f.read()


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def report(text: str):
    """Figures for the humans: stderr (shown by pytest on failure, and with
    -s) and a file that survives a ctest run."""
    print(text, file=sys.stderr, flush=True)
    path = Path(os.environ.get("VAULT_EDGE_REPORT", BIN_DIR.parent / "Testing" / "Temporary" / "http_edge_rss.txt"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as f:
            f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + text + "\n")
    except OSError:
        pass


def start_server(tmp_path, name, env=None, key=None):
    base = tmp_path / name
    base.mkdir()
    srv = VaultServer(base / "data", base / "vaultd.log", admin_key=key or admin_key(), env=env)
    srv.start()
    return srv


@pytest.fixture()
def stop_after():
    servers = []
    yield servers.append
    for srv in servers:
        code = srv.stop()
        assert code == 0, f"vaultd exited with {code}; log:\n{srv.log_tail()}"


def upload_head(path, key=None, expect=False, content_type="application/json", length=ANNOUNCED):
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}",
             f"Content-Length: {length}"]
    if key:
        lines.append(f"Authorization: Bearer {key}")
    if expect:
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def refused_upload(port, head, body_bytes, timeout=30):
    """Sends `head`, then up to `body_bytes` of body while reading. Returns
    (raw reply, server closed the connection?). Stops sending when the
    server answered; keeps reading until EOF/reset or `timeout`."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setblocking(False)
    out, closed = b"", False
    try:
        _send_all_nonblocking(s, head, timeout)
        piece = b"x" * 65536
        left = body_bytes
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            want_write = left > 0 and not has_final_head(out)
            r, w, _ = select.select([s], [s] if want_write else [], [], 0.5)
            if r:
                try:
                    data = s.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    closed = True
                    break
                if not data:
                    closed = True
                    break
                out += data
            elif w:
                try:
                    left -= s.send(piece[: min(len(piece), left)])
                except (BrokenPipeError, ConnectionResetError):
                    left = 0
                except BlockingIOError:
                    pass
        return out, closed
    finally:
        s.close()


def has_final_head(raw: bytes) -> bool:
    """A complete non-1xx response head is in `raw` (interim 100s skipped)."""
    while raw.startswith(b"HTTP/1.1 1"):
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        raw = raw[end + 4:]
    return b"\r\n\r\n" in raw


def _send_all_nonblocking(s, data, timeout):
    deadline = time.monotonic() + timeout
    while data and time.monotonic() < deadline:
        select.select([], [s], [], 0.5)
        try:
            data = data[s.send(data):]
        except BlockingIOError:
            pass


class RssSampler(threading.Thread):
    """Peak VmRSS of a process, sampled until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            self.stop.wait(0.02)


def test_unauthenticated_upload_flood_is_refused_without_reading_bodies(tmp_path, stop_after):
    srv = start_server(tmp_path, "flood", env=no_quarantine_env())
    stop_after(srv)
    pid = srv.proc.pid
    admin = srv.client(srv.admin_key)
    tenant = make_tenant(srv, admin)
    ds = new_dataset(tenant.writer)
    # Warm up the paths the flood takes (allocator arenas, first connections).
    for _ in range(3):
        raw, _ = refused_upload(srv.port, upload_head("/api/v1/datasets", length=1000), 1000, timeout=10)
        assert parse_raw_response(raw)[0] == 401
    time.sleep(0.2)
    before = status_kib(pid, "VmRSS")

    targets = ["/api/v1/datasets",                                   # buffered route
               f"/api/v1/datasets/{ds['id']}/records",               # buffered route
               f"/api/v1/datasets/{ds['id']}/records:import"]        # streamed route
    results = [None] * FLOOD
    go = threading.Barrier(FLOOD)

    def one(i):
        path = targets[i % len(targets)]
        ctype = "application/x-ndjson" if path.endswith(":import") else "application/json"
        key = None if i % 2 == 0 else "vk_invalid_" + secrets.token_hex(16)
        head = upload_head(path, key=key, expect=i % 4 < 2, content_type=ctype)
        go.wait()
        results[i] = refused_upload(srv.port, head, SENT_PER_REQUEST, timeout=60)

    sampler = RssSampler(pid)
    sampler.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(FLOOD)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - t0
    time.sleep(0.2)
    sampler.stop.set()
    sampler.join()
    after = status_kib(pid, "VmRSS")
    peak = max(sampler.peak, after)

    asan = is_asan_build()
    limit_kib = (150 if asan else 50) * 1024
    statuses = {}
    for res in results:
        code = res[0][9:12].decode("latin-1", "replace") if res else "none"
        statuses[code] = statuses.get(code, 0) + 1
    report(f"http edge flood: {FLOOD} unauthenticated uploads (30 MiB announced, up to "
           f"{SENT_PER_REQUEST >> 20} MiB sent each) in {elapsed:.1f}s; vaultd VmRSS before {before // 1024} MiB, "
           f"peak {peak // 1024} MiB (+{(peak - before) // 1024} MiB), after {after // 1024} MiB; "
           f"first status lines {statuses}; asan={asan}; limit +{limit_kib // 1024} MiB")
    # Buffering the bytes the clients sent would be FLOOD x 2 MiB = 400 MiB
    # (and the full bodies 6 GB).
    assert peak - before < limit_kib, f"RSS grew {peak - before} KiB under the flood"

    for i, res in enumerate(results):
        assert res is not None, f"client {i} did not finish"
        raw, closed = res
        assert raw.startswith(b"HTTP/1.1 401"), f"client {i}: {raw[:200]!r}"  # never "100 Continue" first
        status, headers, body = parse_raw_response(raw)
        assert_error_shape(status, headers.get, body, 401, "AuthenticationError")
        assert headers.get("connection", "").lower() == "close", headers
        assert closed, f"client {i}: the server did not close the connection"

    # The server is fine afterwards.
    assert tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}").status == 200


def test_forbidden_upload_is_refused_before_the_body(server, admin, tenant):
    ds = new_dataset(tenant.writer)
    for path in (f"/api/v1/datasets/{ds['id']}/records", f"/api/v1/datasets/{ds['id']}/records:import"):
        ctype = "application/x-ndjson" if path.endswith(":import") else "application/json"
        head = upload_head(path, key=tenant.keys["reader"], expect=True, content_type=ctype)
        raw, closed = refused_upload(server.port, head, 0, timeout=30)
        assert raw.startswith(b"HTTP/1.1 403"), raw[:200]
        status, headers, body = parse_raw_response(raw)
        assert_error_shape(status, headers.get, body, 403, "AuthorizationError")
        assert closed


def test_expect_continue_gets_401_and_no_100(server):
    raw = raw_exchange(server.port, upload_head("/api/v1/datasets", expect=True))
    assert raw.startswith(b"HTTP/1.1 401"), raw[:200]
    assert b"100 Continue" not in raw
    status, headers, body = parse_raw_response(raw)
    assert headers.get("connection", "").lower() == "close"


def test_authenticated_requests_work_as_before(server, tenant):
    # keep-alive: several requests on one connection
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    auth = {"Authorization": f"Bearer {tenant.keys['writer']}"}
    try:
        for _ in range(3):
            conn.request("GET", "/api/v1/datasets", headers=auth)
            r = conn.getresponse()
            r.read()
            assert r.status == 200 and not r.will_close
        # 100-continue: the 100 comes, then the answer
        s = conn.sock
        body = b'{"name": "ds-' + secrets.token_hex(6).encode() + b'"}'
        s.sendall(upload_head("/api/v1/datasets", key=tenant.keys["writer"], expect=True, length=len(body)))
        interim = s.recv(64)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        s.sendall(body)
        r = http.client.HTTPResponse(s)
        r.begin()
        r.read()
        assert r.status == 201
    finally:
        conn.close()
    # streamed import, chunked
    ds = new_dataset(tenant.writer)
    r = import_jsonl(tenant.writer, ds["id"], (line for line in jsonl_lines(300)))
    assert r.status == 200 and r.body["imported"] == 300, r


def test_content_type_is_matched_exactly(server, tenant):
    c = tenant.writer
    name = "ds-" + secrets.token_hex(6)
    for bad in ("application/jsonx", "application/json-seq", "application/json+zip", "text/plain"):
        r = c.request("POST", "/api/v1/datasets", body=b'{"name": "%s"}' % name.encode(),
                      headers={"Content-Type": bad})
        assert_error(r, 415, "UnsupportedMediaTypeError")
    r = c.request("POST", "/api/v1/datasets", body=b'{"name": "%s"}' % name.encode(),
                  headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert r.status == 201, r
    ds = r.body
    for bad in ("application/x-ndjsonx", "application/jsonlines"):
        r = import_jsonl(c, ds["id"], b'{"a": 1}\n', content_type=bad)
        assert_error(r, 415, "UnsupportedMediaTypeError")
    r = import_jsonl(c, ds["id"], b'{"a": 1}\n', content_type="application/x-ndjson; charset=utf-8")
    assert r.status == 200 and r.body["imported"] == 1, r


def test_connection_cap(tmp_path, stop_after):
    cap = 4
    srv = start_server(tmp_path, "cap", env={"VAULT_MAX_CONNECTIONS": str(cap)})
    stop_after(srv)
    held = []
    try:
        # Fill the cap. The server notices the close of the start-up probe's
        # connections asynchronously, so a slot may still be taken for a
        # moment. A refusal at the cap also reclaims idle connections — the
        # ones already held among them — so after any refusal start over
        # until the cap fills without one.
        for _round in range(100):
            for conn in held:
                conn.close()
            held.clear()
            refused = False
            for _ in range(cap):
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
                conn.request("GET", "/health/live")
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    conn.close()
                    refused = True
                    break
                held.append(conn)
            if not refused:
                break
            time.sleep(0.1)
        assert len(held) == cap
        # One over the cap: 503 (the idle ones are reclaimed only after it).
        raw = raw_exchange(srv.port, b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = parse_raw_response(raw)
        assert_error_shape(status, headers.get, body, 503, "OverloadedError")
        assert headers.get("retry-after") == "1"
        assert headers.get("connection", "").lower() == "close"
        # Reaching the cap reclaimed the held connections (idle between
        # keep-alive requests, as nginx does): the server closed them ...
        for conn in held:
            conn.sock.settimeout(10)
            assert conn.sock.recv(1) == b"", "an idle connection was not reclaimed"
    finally:
        for conn in held:
            conn.close()
    # ... so new clients get in (the server notices the closes asynchronously).
    for _ in range(400):
        r = srv.client().request("GET", "/metrics", key=srv.admin_key)
        if r.status == 200:
            break
        time.sleep(0.05)
    assert r.status == 200, r
    text = r.body.decode()
    assert f"vault_max_connections {cap}\n" in text
    m = re.search(r"^vault_active_connections (\d+)", text, re.M)
    assert m and 1 <= int(m.group(1)) <= cap, m


def test_metrics_access_and_admin_listener(tmp_path, stop_after):
    token = "mt_" + secrets.token_hex(16)
    admin_port = free_port()
    srv = start_server(tmp_path, "metrics", env={"VAULT_METRICS_TOKEN": token,
                                                  "VAULT_ADMIN_LISTEN": f"127.0.0.1:{admin_port}"})
    stop_after(srv)
    admin = srv.client(srv.admin_key)
    tenant = make_tenant(srv, admin)
    ds = new_dataset(tenant.writer)
    tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"ssn": "078-05-1120"})
    c = srv.client()
    # API listener: not public
    assert_error(c.request("GET", "/metrics", key=NO_KEY), 401, "AuthenticationError")
    assert_error(c.request("GET", "/metrics", key="wrong-" + token), 401, "AuthenticationError")
    assert_error(c.request("GET", "/metrics", key=tenant.keys["admin"]), 403, "AuthorizationError")
    for key in (token, srv.admin_key):
        r = c.request("GET", "/metrics", key=key)
        assert r.status == 200 and b"vault_requests_total" in r.body, r
    # the health endpoints stay open (probes)
    assert c.request("GET", "/health/ready", key=NO_KEY).status == 200
    # admin listener: metrics and health without auth, no API
    a = Client(admin_port)
    r = a.request("GET", "/metrics", key=NO_KEY)
    assert r.status == 200, r
    text = r.body.decode()
    assert "vault_active_connections" in text and "vault_max_connections 1024" in text
    assert a.request("GET", "/health/live", key=NO_KEY).status == 200
    assert_error(a.request("GET", "/api/v1/datasets", key=tenant.keys["reader"]), 404, "RouteNotFoundError")
    # no tenant data in any label
    for secret in (tenant.id, tenant.name, ds["id"], ds["name"], tenant.key_ids["admin"], "078-05-1120"):
        assert secret not in text, secret
    # the token is never logged
    assert token not in srv.stdout_text() and token not in srv.err_path.read_text("utf-8", "replace")

