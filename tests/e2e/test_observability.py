"""Trace context, request ids, health endpoints and /metrics."""
import json
import re
import secrets
import time

from vaultlib import NO_KEY, PG_STATE, VaultServer, assert_error, make_tenant, new_dataset

TP_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def test_traceparent_round_trip(tenant, server):
    trace = secrets.token_hex(16)
    tp = f"00-{trace}-{secrets.token_hex(8)}-01"
    r = tenant.reader.request("GET", "/api/v1/datasets", headers={"traceparent": tp})
    assert r.status == 200
    m = TP_RE.match(r.header("traceparent") or "")
    assert m and m.group(1) == trace, r.header("traceparent")
    # errors carry the same trace id
    e = tenant.reader.request("GET", "/api/v1/datasets/ds_01ARZ3NDEKTSV4RRFFQ69G5FAV", headers={"traceparent": tp})
    assert assert_error(e, 404)["trace_id"] == trace
    assert TP_RE.match(e.header("traceparent")).group(1) == trace
    # and the log lines of the request carry it too (the access line may be
    # written just after the answer went out)
    deadline = time.monotonic() + 5
    while trace not in server.stdout_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert trace in server.stdout_text()


def test_trace_generated_when_absent_or_invalid(tenant):
    for headers in ({}, {"traceparent": "garbage"}, {"traceparent": "00-" + "0" * 32 + "-" + "1" * 16 + "-01"}):
        r = tenant.reader.request("GET", "/api/v1/datasets/ds_01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=headers)
        e = assert_error(r, 404)
        m = TP_RE.match(r.header("traceparent") or "")
        assert m and m.group(1) == e["trace_id"] and m.group(1) != "0" * 32


def test_request_id(tenant):
    r = tenant.reader.request("GET", "/api/v1/datasets", headers={"X-Request-ID": "my-req-42"})
    assert r.header("X-Request-ID") == "my-req-42"
    r2 = tenant.reader.request("GET", "/api/v1/datasets")
    assert r2.header("X-Request-ID")
    r3 = tenant.reader.request("GET", "/api/v1/datasets")
    assert r3.header("X-Request-ID") != r2.header("X-Request-ID")


def test_health_shapes(server):
    c = server.client()
    live = c.request("GET", "/health/live", key=NO_KEY)
    assert live.status == 200 and live.body["status"] == "alive" and isinstance(live.body["timestamp"], str)
    assert live.body["threads"] >= 1 and live.body["rss_bytes"] > 0 and live.body["warnings"] == []

    ready = c.request("GET", "/health/ready", key=NO_KEY)
    assert ready.status == 200 and ready.body["status"] in ("ready", "degraded")
    assert ready.body["overall_status"] == ready.body["status"]
    assert isinstance(ready.body["checks"], dict) and ready.body["checks"]
    for name, check in ready.body["checks"].items():
        assert {"status", "critical", "latency_ms", "message"} <= set(check), (name, check)
        assert isinstance(check["critical"], bool)
        assert isinstance(check["latency_ms"], (int, float)) and check["latency_ms"] >= 0
        assert isinstance(check["message"], str)
        assert check["status"] in ("healthy", "degraded", "unhealthy")
    assert isinstance(ready.body["timestamp"], str)
    if PG_STATE:  # PostgreSQL reports its connection pool (spec 4.3)
        assert ready.body["checks"]["metadata_store"]["message"].startswith("connection pool: "), ready.body

    st = c.request("GET", "/health/startup", key=NO_KEY)
    assert st.status == 200 and st.body["status"] == "started"
    assert st.body["steps"] and isinstance(st.body["startup_duration_ms"], (int, float))
    assert st.body["components"] and all(v is True for v in st.body["components"].values()), st.body
    for step in st.body["steps"]:
        assert {"name", "status", "duration_ms"} <= set(step)


def metrics_text(server):
    # /metrics on the API listener needs the metrics token or the platform admin key.
    assert_error(server.client().request("GET", "/metrics", key=NO_KEY), 401, "AuthenticationError")
    r = server.client(server.admin_key).request("GET", "/metrics")
    assert r.status == 200
    assert (r.header("Content-Type") or "").startswith("text/plain")
    return r.body.decode()


def test_metrics_use_route_templates(server, tenant):
    ds = new_dataset(tenant.writer)
    rec = tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"m": 1}).body
    tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}")
    tenant.reader.request("GET", f"/api/v1/datasets/{ds['id']}/records/{rec['id']}")
    junk = "zzjunk" + secrets.token_hex(4)
    tenant.reader.request("GET", f"/api/v1/{junk}")
    text = metrics_text(server)

    samples = [ln for ln in text.splitlines() if ln.startswith("vault_requests_total{")]
    assert samples, text[:2000]
    if PG_STATE:  # the PostgreSQL pool (default size 16)
        assert "vault_database_connections_max 16\n" in text, text[:3000]
        assert re.search(r'^vault_database_connections\{state="idle"\} [1-9]', text, re.M), text[:3000]
    else:
        assert "vault_database_connections" not in text
    labels = [dict(re.findall(r'(\w+)="([^"]*)"', ln)) for ln in samples]
    for lb in labels:
        assert {"method", "endpoint", "status"} <= set(lb), lb
    assert any(lb["endpoint"] == "/api/v1/datasets/{id}" and lb["method"] == "GET" and lb["status"] == "200"
               for lb in labels), samples
    assert any(lb["endpoint"] == "/api/v1/datasets/{id}/records/{rid}" for lb in labels), samples
    # never a raw id or an unknown path in a label
    assert ds["id"] not in text and rec["id"] not in text and junk not in text
    assert tenant.id not in text and ds["name"] not in text  # no tenant data in labels
    for name in ("vault_active_connections", "vault_max_connections", "vault_buffered_body_bytes"):
        assert f"# TYPE {name} gauge" in text, name
    for name in ("vault_request_duration_seconds_bucket", "vault_active_requests", "vault_request_size_bytes"):
        assert name in text, name
    assert "# TYPE vault_requests_total counter" in text
    assert "# TYPE vault_request_duration_seconds histogram" in text


def test_logs_are_json_and_never_hold_record_data(server, tenant):
    marker = "plaintext-secret-" + secrets.token_hex(8)
    ds = new_dataset(tenant.writer)
    tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"secret": marker})
    tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", body=b'{"secret": "' + marker.encode(),
                          headers={"Content-Type": "application/json"})
    tenant.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records:import",
                          body=b'{"bad": ' + marker.encode() + b'\n', headers={"Content-Type": "application/x-ndjson"})
    out = server.stdout_text()
    assert marker not in out
    assert tenant.keys["writer"] not in out and server.admin_key not in out
    assert marker not in server.err_path.read_text("utf-8", "replace")
    lines = [ln for ln in out.splitlines() if ln.strip() and not ln.startswith("--- start")]
    assert lines
    for ln in lines:
        ev = json.loads(ln)
        assert {"timestamp", "level", "logger", "message"} <= set(ev), ev


class _OtlpReceiver:
    """A tiny OTLP/HTTP JSON receiver on a free loopback port: keeps every span posted."""

    def __init__(self):
        import http.server
        import threading
        spans = self.spans = []
        self.lock = lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                assert self.path == "/v1/traces" and self.headers.get("Content-Type") == "application/json"
                doc = json.loads(body)
                with lock:
                    for rs in doc["resourceSpans"]:
                        for ss in rs["scopeSpans"]:
                            spans.extend(ss["spans"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [s for s in self.spans if pred(s)]
            if found:
                return found
            time.sleep(0.05)
        return []

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_spans_are_sampled_and_exported_over_otlp_and_as_json_lines(tmp_path):
    receiver = _OtlpReceiver()
    span_log = tmp_path / "spans.jsonl"
    cfg = tmp_path / "vaultd.yaml"
    cfg.write_text(
        "tracing:\n"
        "  sampling:\n"
        "    default_rate: 0.0\n"
        "    sample_errors: true\n"
        "    rules:\n"
        "      - {endpoint: /api/v1/datasets/*, rate: 1.0}\n"
        "  exporters:\n"
        f"    - {{type: otlp, endpoint: 'http://127.0.0.1:{receiver.port}/v1/traces'}}\n"
        f"    - {{type: log, endpoint: '{span_log}'}}\n"
        "faults:\n  enabled: true\n")
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16),
                      args=["--config", str(cfg)])
    srv.start()
    try:
        admin = srv.client(srv.admin_key)
        t = make_tenant(srv, admin)
        ds = new_dataset(t.writer)
        trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
        r = t.reader.request("GET", f"/api/v1/datasets/{ds['id']}",
                             headers={"traceparent": f"00-{trace_id}-{parent}-00", "tracestate": "vendor=a1,other=b2"})
        assert r.status == 200
        # the route's rule (rate 1.0) keeps it: a server span continuing the caller's trace...
        roots = receiver.wait_for(lambda s: s["traceId"] == trace_id and s["kind"] == 2)
        assert len(roots) == 1, receiver.spans
        root = roots[0]
        assert root["parentSpanId"] == parent and root["name"] == "GET /api/v1/datasets/{id}"
        assert root["traceState"] == "vendor=a1,other=b2"  # the caller's tracestate carried on
        attrs = {a["key"]: a["value"]["stringValue"] for a in root["attributes"]}
        assert attrs["http.status_code"] == "200" and attrs["http.route"] == "/api/v1/datasets/{id}"
        assert r.header("traceparent").split("-")[2] == root["spanId"]
        # ...with a child span per metadata store call
        children = receiver.wait_for(lambda s: s["traceId"] == trace_id and s.get("parentSpanId") == root["spanId"])
        assert children and all(c["name"].startswith("metadata_store.") for c in children), children
        assert int(children[0]["startTimeUnixNano"]) >= int(root["startTimeUnixNano"])
        assert all(c["traceState"] == "vendor=a1,other=b2" for c in children)
        # default_rate 0: an ordinary list request is not kept ...
        other = secrets.token_hex(16)
        assert t.reader.request("GET", "/api/v1/datasets", headers={"traceparent": f"00-{other}-{parent}-00"}).status == 200
        # ... but a failed one always is
        admin.request("POST", "/api/v1/admin/faults", json={"dependency": "metadata_store", "kind": "error"})
        failed_trace = secrets.token_hex(16)
        f = t.reader.request("GET", "/api/v1/datasets", headers={"traceparent": f"00-{failed_trace}-{parent}-00"})
        assert f.status == 503
        admin.request("DELETE", "/api/v1/admin/faults")
        err = receiver.wait_for(lambda s: s["traceId"] == failed_trace and s["kind"] == 2)
        assert err and err[0]["status"]["code"] == 2
        failed_child = receiver.wait_for(lambda s: s["traceId"] == failed_trace and s["kind"] == 3)
        assert failed_child and any(a["key"] == "error.type" and a["value"]["stringValue"] == "DatabaseError"
                                    for a in failed_child[0]["attributes"])
        assert not [s for s in receiver.spans if s["traceId"] == other]
        # the same spans as JSON lines
        lines = [json.loads(ln) for ln in span_log.read_text().splitlines()]
        assert any(ln["trace_id"] == trace_id and ln["kind"] == "server" for ln in lines)
        assert all(ds["name"] not in json.dumps(ln) for ln in lines)  # no tenant data in spans
    finally:
        assert srv.stop() == 0
        receiver.close()
