#!/usr/bin/env python3
"""Writes the Grafana dashboards of spec appendix C (SLO overview, service
health, error analysis, performance) as JSON next to this file.

The dashboards read vaultd's own metrics and the recording rules of
deploy/prometheus/slo_rules.yml (load those rules in the Prometheus that
Grafana queries). Edit this file, not the JSON, and run it again:

    python3 deploy/grafana/generate.py

tests/e2e/test_deploy_artefacts.py checks that the JSON is what this script
writes, that every query parses (promtool), and that every metric name in a
query is one vaultd exports or a recording rule defines.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${datasource}"}
# Requests that are not user traffic (as in slo_rules.yml).
API = 'job="$job",endpoint!~"/health/.*|/metrics"'
RATE = "$__rate_interval"


def target(expr, legend="", ref="A", **extra):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend}
    t.update(extra)
    return t


def thresholds(*steps):
    """steps: (color, value) with the first value None (the base colour)."""
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def panel(kind, title, targets, unit="short", description="", w=12, h=8, defaults=None, options=None, **extra):
    d = {"unit": unit}
    d.update(defaults or {})
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [target(*t) if isinstance(t, tuple) else t for t in targets],
        "fieldConfig": {"defaults": d, "overrides": []},
        "options": options or {},
        "_size": (w, h),
    }
    for i, t in enumerate(p["targets"]):
        t["refId"] = chr(ord("A") + i)
    p.update(extra)
    return p


def timeseries(title, targets, unit="short", description="", w=12, h=8, th=None, **defaults):
    d = {"custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                    "thresholdsStyle": {"mode": "line" if th else "off"}}}
    if th:
        d["thresholds"] = th
    # timeFrom/interval belong to the panel, the rest (min, max) to its field defaults
    extra = {k: defaults.pop(k) for k in ("timeFrom", "interval") if k in defaults}
    d.update(defaults)
    return panel("timeseries", title, targets, unit, description, w, h, d,
                 {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                  "tooltip": {"mode": "multi", "sort": "desc"}}, **extra)


def stat(title, expr, unit, description="", th=None, w=6, h=5, decimals=None, legend=""):
    d = {"thresholds": th or thresholds(("green", None))}
    if decimals is not None:
        d["decimals"] = decimals
    return panel("stat", title, [(expr, legend)], unit, description, w, h, d,
                 {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                  "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
                  "orientation": "auto", "textMode": "auto"})


def gauge(title, expr, unit, description="", th=None, w=8, h=7, legend="", lo=0, hi=1):
    return panel("gauge", title, [(expr, legend)], unit, description, w, h,
                 {"thresholds": th or thresholds(("green", None)), "min": lo, "max": hi},
                 {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                  "showThresholdLabels": False, "showThresholdMarkers": True})


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_size": (24, 1)}


def layout(panels):
    """Assigns ids and gridPos left to right, wrapping at 24 columns."""
    x = y = row_h = 0
    for i, p in enumerate(panels, 1):
        w, h = p.pop("_size")
        if x + w > 24 or p["type"] == "row":
            if x:
                y += row_h
            x, row_h = 0, 0
        p["id"] = i
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x += w
        row_h = max(row_h, h)
        if p["type"] == "row":
            y += h
            x, row_h = 0, 0
    return panels


def variables(with_instance):
    v = [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "refresh": 1, "options": []},
        {"name": "job", "label": "job", "type": "query", "datasource": DS,
         "definition": "label_values(vault_requests_total, job)",
         "query": {"query": "label_values(vault_requests_total, job)", "refId": "job"},
         "current": {}, "hide": 0, "refresh": 2, "includeAll": False, "multi": False, "options": [],
         "sort": 1},
    ]
    if with_instance:
        v.append({"name": "instance", "label": "instance", "type": "query", "datasource": DS,
                  "definition": 'label_values(vault_requests_total{job="$job"}, instance)',
                  "query": {"query": 'label_values(vault_requests_total{job="$job"}, instance)',
                            "refId": "instance"},
                  "current": {}, "hide": 0, "refresh": 2, "includeAll": True, "allValue": ".+",
                  "multi": True, "options": [], "sort": 1})
    return v


def dashboard(uid, title, description, panels, with_instance=False, time_from="now-6h"):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["llm-data-vault", "vaultd"],
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": variables(with_instance)},
        "panels": layout(panels),
    }


# --------------------------------------------------------------------------- SLO overview (spec 11.5)

def slo_overview():
    budget_th = thresholds(("red", None), ("orange", 0.25), ("yellow", 0.5), ("green", 0.75))
    return dashboard(
        "vault-slo-overview", "LLM Data Vault / SLO Overview",
        "Spec 11.1-11.5: availability 99.9% and latency (99% of requests under 200 ms) over 30 days, "
        "error budgets and burn rates. Probe and scrape requests are not part of the SLIs. Needs "
        "deploy/prometheus/slo_rules.yml and 30 days of retention.",
        [
            row("Compliance (30 days)"),
            stat("Availability (30d)", f'1 - slo:sli_error:ratio_rate30d{{job="$job",slo="availability"}}',
                 "percentunit", "Share of API requests not answered with a 5xx. Target 99.9%.",
                 thresholds(("red", None), ("green", 0.999)), decimals=3),
            stat("Latency p99 (5m)", 'job:vault_request_duration_seconds:p99_rate5m{job="$job"}', "s",
                 "99th percentile of API request latency over 5 minutes (interpolated in the histogram "
                 "bucket). Target < 200 ms.", thresholds(("green", None), ("red", 0.2)), decimals=3),
            stat("Requests under 200 ms (30d)", f'1 - slo:sli_error:ratio_rate30d{{job="$job",slo="latency"}}',
                 "percentunit", "Latency SLI over 30 days. Target 99%.",
                 thresholds(("red", None), ("green", 0.99)), decimals=2),
            stat("Error rate (5m)", 'slo:sli_error:ratio_rate5m{job="$job",slo="availability"}', "percentunit",
                 "5xx share of API requests over 5 minutes. Target < 0.1%.",
                 thresholds(("green", None), ("red", 0.001)), decimals=3),
            gauge("Error budget remaining (30d)", 'slo:error_budget_remaining:ratio30d{job="$job"}',
                  "percentunit", "Share of each 30-day error budget left; colours follow the error budget "
                  "policy of spec 11.3 (75/50/25%).", budget_th, w=8, legend="{{slo}}"),
            stat("Throughput (5m)", 'job:vault_requests:rate5m{job="$job"}', "reqps",
                 "API requests per second (spec target: 10,000 req/s for the whole service).", w=8),
            stat("Burn rate (1h)", 'slo:burn_rate:ratio_rate1h{job="$job"}', "x",
                 "Bad-event ratio over the last hour divided by the error budget: 1 spends the budget in "
                 "exactly 30 days; 14.4 pages.", thresholds(("green", None), ("orange", 1), ("red", 14.4)),
                 w=8, h=7, decimals=2, legend="{{slo}}"),
            row("Trends"),
            timeseries("Availability (1h windows)",
                       [(f'1 - slo:sli_error:ratio_rate1h{{job="$job",slo="availability"}}', "availability"),
                        (f'1 - slo:sli_error:ratio_rate1h{{job="$job",slo="latency"}}', "requests under 200 ms")],
                       "percentunit", "30-day trend of the two SLIs, each over 1-hour windows.",
                       w=24, th=thresholds(("red", None), ("green", 0.999)), timeFrom="30d", interval="1h"),
            timeseries("Burn rate",
                       [('slo:burn_rate:ratio_rate5m{job="$job"}', "{{slo}} 5m"),
                        ('slo:burn_rate:ratio_rate1h{job="$job"}', "{{slo}} 1h"),
                        ('slo:burn_rate:ratio_rate6h{job="$job"}', "{{slo}} 6h")],
                       "x", "Burn rates over the windows of the burn-rate alerts (deploy/prometheus/alerts.yml).",
                       th=thresholds(("green", None), ("orange", 1), ("red", 14.4))),
            timeseries("Bad-event ratio by window",
                       [('slo:sli_error:ratio_rate5m{job="$job"}', "{{slo}} 5m"),
                        ('slo:sli_error:ratio_rate30m{job="$job"}', "{{slo}} 30m"),
                        ('slo:sli_error:ratio_rate6h{job="$job"}', "{{slo}} 6h")],
                       "percentunit", "Share of bad events (5xx, or slower than 200 ms) per SLO and window."),
        ],
        time_from="now-24h",
    )


# --------------------------------------------------------------------------- service health

def service_health():
    inst = 'job="$job",instance=~"$instance"'
    return dashboard(
        "vault-service-health", "LLM Data Vault / Service Health",
        "Is every vaultd up and ready, which dependencies are failing, how full the connection and "
        "body-buffer limits and the bulkheads are, how often dependency calls are retried, and the state "
        "of key rotation.",
        [
            row("Up and ready"),
            stat("Targets up", f'sum(up{{{inst}}})', "short", "vaultd processes Prometheus can scrape.",
                 thresholds(("red", None), ("green", 1)), w=6),
            stat("Readiness 503 share (5m)",
                 f'sum(rate(vault_requests_total{{{inst},endpoint="/health/ready",status="503"}}[5m])) '
                 f'/ sum(rate(vault_requests_total{{{inst},endpoint="/health/ready"}}[5m]))',
                 "percentunit", "Share of readiness checks answered 503 (not ready or shutting down).",
                 thresholds(("green", None), ("red", 0.5)), w=6),
            stat("Unhandled exceptions (1h)", f'sum(increase(vault_unhandled_exceptions_total{{{inst}}}[1h]))',
                 "short", "Requests answered VAULT_ERR_9999 after a handler exception.",
                 thresholds(("green", None), ("red", 1)), w=6),
            stat("Requests in flight", f'sum(vault_active_requests{{{inst}}})', "short",
                 "HTTP requests being served now.", w=6),
            timeseries("Readiness answers by status",
                       [(f'sum by (instance, status) (rate(vault_requests_total{{{inst},endpoint="/health/ready"}}[{RATE}]))',
                         "{{instance}} {{status}}")],
                       "reqps", "GET /health/ready answers (from the probes): 200 ready, 503 not ready."),
            panel("state-timeline", "Circuit breakers",
                  [(f'max by (instance, dependency) (vault_circuit_breaker_state{{{inst}}})',
                    "{{instance}} {{dependency}}")],
                  "short", "vault_circuit_breaker_state per dependency: 0 closed, 1 open, 2 half-open.",
                  defaults={"mappings": [{"type": "value", "options": {
                      "0": {"text": "closed", "color": "green", "index": 0},
                      "1": {"text": "open", "color": "red", "index": 1},
                      "2": {"text": "half-open", "color": "yellow", "index": 2}}}],
                      "thresholds": thresholds(("green", None))},
                  options={"showValue": "auto", "mergeValues": True, "rowHeight": 0.9,
                           "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False}}),
            row("Saturation"),
            timeseries("API connections",
                       [(f'vault_active_connections{{{inst}}}', "{{instance}} open"),
                        (f'vault_max_connections{{{inst}}}', "{{instance}} limit")],
                       "short", "Open API-listener connections against server.max_connections (beyond: 503 "
                       "and close)."),
            timeseries("API connection usage",
                       [(f'vault_active_connections{{{inst}}} / vault_max_connections{{{inst}}}', "{{instance}}")],
                       "percentunit", "Alert ConnectionLimitNearlyExhausted at 90%.",
                       th=thresholds(("green", None), ("red", 0.9)), min=0, max=1),
            timeseries("Requests in flight",
                       [(f'sum by (instance) (vault_active_requests{{{inst}}})', "{{instance}}")], "short"),
            timeseries("Buffered request bodies",
                       [(f'vault_buffered_body_bytes{{{inst}}}', "{{instance}}")], "bytes",
                       "Request-body bytes held in memory (limit: server.max_buffered_body_bytes; beyond: 503)."),
            row("Bulkheads and retries"),
            timeseries("Bulkhead usage",
                       [(f'vault_bulkhead_in_use{{{inst}}} / vault_bulkhead_max_concurrent{{{inst}}}',
                         "{{instance}} {{bulkhead}}")],
                       "percentunit", "Running calls / max_concurrent of each bulkhead (spec 3.3). Over 90% the "
                       "readiness check bulkheads says degraded. api_requests never runs more handlers than "
                       "server.worker_threads, so its share stays at or below worker_threads / max_concurrent.",
                       th=thresholds(("green", None), ("red", 0.9)), min=0, max=1),
            timeseries("Bulkhead in use and queued vs max",
                       [(f'vault_bulkhead_in_use{{{inst}}}', "{{instance}} {{bulkhead}} in use"),
                        (f'vault_bulkhead_queued{{{inst}}}', "{{instance}} {{bulkhead}} queued"),
                        (f'vault_bulkhead_max_concurrent{{{inst}}}', "{{instance}} {{bulkhead}} max")],
                       "short", "Calls running and waiting for a slot, against max_concurrent. Waiting calls "
                       "beyond queue_size, or longer than the bulkhead's timeout, are refused."),
            timeseries("Bulkhead rejections",
                       [(f'sum by (instance, bulkhead) (rate(vault_bulkhead_rejected_total{{{inst}}}[{RATE}]))',
                         "{{instance}} {{bulkhead}}")],
                       "ops", "Calls refused with 503 OverloadedError (Retry-After: 1): the bulkhead was full "
                       "or the wait passed its timeout. Alert BulkheadSaturated when refusals go on for 5 "
                       "minutes."),
            timeseries("Dependency retries by outcome",
                       [(f'sum by (dependency, outcome) (rate(vault_retries_total{{{inst}}}[{RATE}]))',
                         "{{dependency}} {{outcome}}")],
                       "ops", "Retry decisions of metadata store, blob store and key provider calls (spec 3.2): "
                       "retried (another attempt), recovered (succeeded after retries), exhausted (attempts "
                       "or deadline used up), budget_exhausted (the retry budget was spent; alert "
                       "RetryBudgetExhausted)."),
            row("Key provider and key rotation"),
            timeseries("Key provider operations",
                       [(f'sum by (operation, status) (rate(vault_kms_operations_total{{{inst}}}[{RATE}]))',
                         "{{operation}} {{status}}")],
                       "ops", "KMS/HSM calls by operation and outcome (ping is the readiness check)."),
            timeseries("Key rotation progress",
                       [(f'max by (type) (vault_key_rotation_progress_ratio{{{inst}}})', "{{type}}")],
                       "percentunit", "Progress of the latest job of each type.", min=0, max=1),
            timeseries("Key rotation jobs ended",
                       [(f'sum by (type, status) (increase(vault_key_rotation_jobs_total{{{inst}}}[1h]))',
                         "{{type}} {{status}}")],
                       "short", "Jobs that ended in the last hour, by type and final state."),
        ],
        with_instance=True,
    )


# --------------------------------------------------------------------------- error analysis

def error_analysis():
    return dashboard(
        "vault-error-analysis", "LLM Data Vault / Error Analysis",
        "Where the errors come from: status codes, endpoints, overload and rate-limit rejections, "
        "unhandled exceptions, key provider and encryption failures, PII policy rejections.",
        [
            row("Errors"),
            timeseries("5xx share of API requests",
                       [('slo:sli_error:ratio_rate5m{job="$job",slo="availability"}', "5m"),
                        ('slo:sli_error:ratio_rate1h{job="$job",slo="availability"}', "1h")],
                       "percentunit", "Alert HighErrorRate above 1% for 5 minutes; SLO 0.1%.",
                       th=thresholds(("green", None), ("orange", 0.001), ("red", 0.01))),
            timeseries("API responses by status",
                       [(f'sum by (status) (rate(vault_requests_total{{{API}}}[{RATE}]))', "{{status}}")],
                       "reqps", "Every status code answered (probes and scrapes left out)."),
            timeseries("5xx by endpoint",
                       [(f'sum by (method, endpoint, status) (rate(vault_requests_total{{job="$job",status=~"5.."}}[{RATE}]))',
                         "{{method}} {{endpoint}} {{status}}")],
                       "reqps", "503 includes OverloadedError (a full bulkhead, worker queue, connection or "
                       "body-buffer limit) and readiness while not ready."),
            timeseries("4xx by endpoint",
                       [(f'sum by (method, endpoint, status) (rate(vault_requests_total{{job="$job",status=~"4.."}}[{RATE}]))',
                         "{{method}} {{endpoint}} {{status}}")],
                       "reqps", "Client errors (not part of the availability SLI); 'unmatched' = no route (404)."),
            panel("table", "Endpoints by 5xx share (1h)",
                  [target(f'topk(10, sum by (endpoint) (rate(vault_requests_total{{{API},status=~"5.."}}[1h])) '
                          f'/ sum by (endpoint) (rate(vault_requests_total{{{API}}}[1h])))',
                          "", format="table", instant=True)],
                  "percentunit", "The ten endpoints with the largest share of 5xx answers over the last hour.",
                  w=12, h=8, options={"showHeader": True}),
            timeseries("Overload and rate-limit rejections",
                       [(f'sum by (status) (rate(vault_requests_total{{{API},status=~"503|429"}}[{RATE}]))',
                         "{{status}}")],
                       "reqps", "503 OverloadedError / ServiceUnavailable and 429 rate limits (each answer "
                       "carries Retry-After). Refusals by bulkhead: vault-service-health, Bulkhead rejections."),
            row("Internal failures"),
            timeseries("Unhandled exceptions",
                       [(f'sum by (instance) (increase(vault_unhandled_exceptions_total{{job="$job"}}[5m]))',
                         "{{instance}}")],
                       "short", "Exceptions that escaped a handler, answered VAULT_ERR_9999: each one is a bug.",
                       w=8),
            timeseries("Key provider failures",
                       [(f'sum by (operation) (rate(vault_kms_operations_total{{job="$job",status="failure"}}[{RATE}]))',
                         "{{operation}}")],
                       "ops", "Failed KMS/HSM operations by operation.", w=8),
            timeseries("Encryption failures",
                       [(f'sum by (operation, algorithm) (rate(vault_encryption_operations_total{{job="$job",status="failure"}}[{RATE}]))',
                         "{{operation}} {{algorithm}}")],
                       "ops", "Failed envelope encrypt/decrypt operations (a decrypt failure means a payload "
                       "failed authentication).", w=8),
            row("PII policy"),
            timeseries("Privacy violations",
                       [(f'sum by (type, severity) (rate(vault_privacy_violations_total{{job="$job"}}[{RATE}]))',
                         "{{type}} {{severity}}")],
                       "ops", "Records refused (high) or quarantined (medium) by a dataset's PII policy, per "
                       "entity found: the policy working, not a service error."),
            timeseries("Anonymization outcomes",
                       [(f'sum by (strategy, status) (rate(vault_anonymization_operations_total{{job="$job"}}[{RATE}]))',
                         "{{strategy}} {{status}}")],
                       "ops", "Operator applications by strategy and outcome (success, fallback, skipped)."),
        ],
    )


# --------------------------------------------------------------------------- performance

def performance():
    q = "histogram_quantile"
    return dashboard(
        "vault-performance", "LLM Data Vault / Performance",
        "Latency, throughput and sizes of API requests, and the time spent in encryption, the key "
        "provider and anonymization.",
        [
            row("Latency"),
            timeseries("API latency percentiles",
                       [('job:vault_request_duration_seconds:p50_rate5m{job="$job"}', "p50"),
                        ('job:vault_request_duration_seconds:p95_rate5m{job="$job"}', "p95"),
                        ('job:vault_request_duration_seconds:p99_rate5m{job="$job"}', "p99")],
                       "s", "Spec 11.1 targets: p50 < 50 ms, p95 < 100 ms, p99 < 200 ms (streamed "
                       "import/export left out).",
                       th=thresholds(("green", None), ("orange", 0.1), ("red", 0.2))),
            timeseries("p99 latency by endpoint",
                       [('job_endpoint:vault_request_duration_seconds:p99_rate5m{job="$job"}', "{{endpoint}}")],
                       "s", "Alert HighLatency above 200 ms for 5 minutes (endpoints with >= 0.1 req/s).",
                       th=thresholds(("green", None), ("red", 0.2))),
            panel("heatmap", "API latency distribution",
                  [target(f'sum by (le) (increase(vault_request_duration_seconds_bucket{{{API}}}[{RATE}]))',
                          "{{le}}", format="heatmap")],
                  "s", "Requests per latency bucket.", w=12,
                  options={"calculate": False, "cellGap": 1, "yAxis": {"unit": "s"},
                           "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                           "tooltip": {"show": True, "yHistogram": False},
                           "legend": {"show": True}}),
            timeseries("Streamed import/export p99",
                       [(f'{q}(0.99, sum by (endpoint, le) (rate(vault_request_duration_seconds_bucket{{job="$job",endpoint=~".*records:(import|export)"}}[{RATE}])))',
                         "{{endpoint}}")],
                       "s", "Bulk streams, outside the latency SLO: their time grows with their size."),
            row("Throughput and sizes"),
            timeseries("Requests by endpoint",
                       [('job_endpoint:vault_requests:rate5m{job="$job"}', "{{endpoint}}")], "reqps",
                       "API requests per second by route template."),
            timeseries("Total throughput",
                       [('job:vault_requests:rate5m{job="$job"}', "requests/s")], "reqps"),
            timeseries("Request body size p95",
                       [(f'{q}(0.95, sum by (endpoint, le) (rate(vault_request_size_bytes_bucket{{{API}}}[{RATE}])))',
                         "{{endpoint}}")], "bytes"),
            timeseries("Response body size p95",
                       [(f'{q}(0.95, sum by (endpoint, le) (rate(vault_response_size_bytes_bucket{{{API}}}[{RATE}])))',
                         "{{endpoint}}")], "bytes"),
            row("Dependencies and CPU-heavy work"),
            timeseries("Encryption p99",
                       [(f'{q}(0.99, sum by (operation, le) (rate(vault_encryption_duration_seconds_bucket{{job="$job"}}[{RATE}])))',
                         "{{operation}}")], "s", "Envelope encryption of record payloads.", w=8),
            timeseries("Key provider p99",
                       [(f'{q}(0.99, sum by (operation, le) (rate(vault_kms_duration_seconds_bucket{{job="$job"}}[{RATE}])))',
                         "{{operation}}")], "s", "KMS/HSM calls (wrap, unwrap, ensure_kek, rotate, ping, ...).",
                       w=8),
            timeseries("Anonymization p99",
                       [(f'{q}(0.99, sum by (le) (rate(vault_anonymization_duration_seconds_bucket{{job="$job"}}[{RATE}])))',
                         "p99")], "s", "Anonymizing one input (record, text or export line).", w=8),
            timeseries("Encryption operations",
                       [(f'sum by (operation) (rate(vault_encryption_operations_total{{job="$job"}}[{RATE}]))',
                         "{{operation}}")], "ops"),
            timeseries("Anonymization operations",
                       [(f'sum by (strategy) (rate(vault_anonymization_operations_total{{job="$job"}}[{RATE}]))',
                         "{{strategy}}")], "ops"),
        ],
    )


DASHBOARDS = {
    "slo-overview.json": slo_overview,
    "service-health.json": service_health,
    "error-analysis.json": error_analysis,
    "performance.json": performance,
}


def render(build) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for name, build in DASHBOARDS.items():
        (out / name).write_text(render(build))
        print(out / name)


if __name__ == "__main__":
    main(sys.argv)
