"""The deployment artefacts, checked with the real tools.

- deploy/prometheus: `promtool check rules`, `promtool test rules` (every alert
  has a firing and a silent case), `promtool check config`, and a real
  Prometheus server that loads the same config and rules, scrapes a real
  vaultd's admin listener and evaluates every rule without error.
- `promtool check metrics` on a real scrape of vaultd's /metrics.
- Every metric name in the rules and dashboards is one vaultd exports (or a
  recording rule defines).
- The latency SLI's le is the SLO threshold and a bucket bound of vaultd's
  histogram; the promtool test inputs use vaultd's bounds.
- deploy/kubernetes: every manifest parsed and its structure checked (kinds,
  selectors, probes, preStop, grace period, ports); the ConfigMap's vaultd.yaml
  (with the spec's reliability blocks) is the configuration the vaultd of this
  module runs with: it becomes ready, the probe paths answer in the spec's
  shapes on its admin listener, its rate limits are in force, and after
  SIGTERM it drains for timeouts.jobs.drain_delay and exits 0 within the
  grace period that is left after the preStop sleep. kubectl is not used: it cannot check
  manifests without an API server (`--dry-run=client` still asks one for the
  resource mappings), and Debian's kubectl (kubernetes-client 1.20) does not
  know autoscaling/v2.
- deploy/grafana: the JSON is what generate.py writes, every query parses
  (promtool), panels and variables are well-formed.
- docs/runbooks: every alert's runbook_url is a file there; the runbooks of
  spec 9.3 / appendix B exist.
"""
import json
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from vaultlib import REPO, VaultServer, free_port

PROM = REPO / "deploy" / "prometheus"
K8S = REPO / "deploy" / "kubernetes"
GRAFANA = REPO / "deploy" / "grafana"
RUNBOOKS = REPO / "docs" / "runbooks"
RULE_FILES = [PROM / "slo_rules.yml", PROM / "alerts.yml"]
RULE_TESTS = sorted((PROM / "tests").glob("*.yml"))

# Metrics the rules or dashboards use that vaultd does not export yet (none:
# every name the rules use must be on a real scrape).
PENDING_METRICS = set()

# The spec's probe settings (sections 4.2-4.4).
SPEC_PROBES = {
    "startupProbe": ("/health/startup", dict(initialDelaySeconds=0, periodSeconds=5, timeoutSeconds=5,
                                             successThreshold=1, failureThreshold=12)),
    "livenessProbe": ("/health/live", dict(initialDelaySeconds=30, periodSeconds=10, timeoutSeconds=5,
                                           successThreshold=1, failureThreshold=3)),
    "readinessProbe": ("/health/ready", dict(initialDelaySeconds=10, periodSeconds=5, timeoutSeconds=3,
                                             successThreshold=1, failureThreshold=2)),
}

METRIC_NAME = re.compile(r"(?<![\w:])((?:vault_|slo:|job:|job_endpoint:)[A-Za-z0-9_:]+)")


def tool(name):
    path = shutil.which(name)
    assert path, f"{name} is missing: run `bash scripts/setup.sh` (Debian package prometheus)"
    return path


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def load_yaml_docs(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def rule_groups():
    return [g for f in RULE_FILES for g in yaml.safe_load(f.read_text())["groups"]]


def alerts():
    return [r for g in rule_groups() for r in g["rules"] if "alert" in r]


def recorded_names():
    return {r["record"] for g in rule_groups() for r in g["rules"] if "record" in r}


def configmap_vaultd_yaml() -> str:
    (cm,) = [d for d in load_yaml_docs(K8S / "configmap.yaml") if d["kind"] == "ConfigMap"]
    return cm["data"]["vaultd.yaml"]


def port_of(host_port: str) -> int:
    return int(host_port.rsplit(":", 1)[1])


def duration_seconds(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", str(text))
    assert m, text
    return float(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]


# ---------------------------------------------------------------------------
# one vaultd for the module, configured with the ConfigMap's vaultd.yaml

class AdminVault(VaultServer):
    admin_port: int

    def metrics(self) -> str:
        status, text = http_get(f"http://127.0.0.1:{self.admin_port}/metrics")
        assert status == 200
        return text


@pytest.fixture(scope="module")
def vaultd(tmp_path_factory):
    """vaultd started with `--config` = the ConfigMap's vaultd.yaml. The
    environment overrides only what must differ on a test machine (loopback
    ports, a temporary data directory) and supplies the Secret's values."""
    base = tmp_path_factory.mktemp("vaultd-k8s-config")
    config = base / "vaultd.yaml"
    config.write_text(configmap_vaultd_yaml())
    admin_port = free_port()
    srv = AdminVault(base / "data", base / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16),
                     env={"VAULT_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
                          "VAULT_MASTER_KEY": secrets.token_hex(32)},
                     args=["--config", str(config)])
    srv.admin_port = admin_port
    srv.start(timeout=120)
    try:
        yield srv
    finally:
        code = srv.stop()
        assert code == 0, f"vaultd exited with {code}:\n{srv.log_tail()}"


def make_traffic(srv, n=5):
    client = srv.client(srv.admin_key)
    for _ in range(n):
        assert client.request("GET", "/api/v1/tenants").status == 200
    assert client.request("GET", "/api/v1/no-such-route").status == 404


def exported_names(exposition: str) -> set:
    """Sample names of every family in an exposition (histograms expanded)."""
    names = set()
    for line in exposition.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            name, kind = m.groups()
            names.add(name)
            if kind in ("histogram", "summary"):
                names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


# ---------------------------------------------------------------------------
# deploy/prometheus with promtool

def test_promtool_check_rules():
    r = run([tool("promtool"), "check", "rules", *map(str, RULE_FILES)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(RULE_FILES), r.stdout


def test_promtool_rule_unit_tests_pass():
    assert RULE_TESTS, "no promtool test files in deploy/prometheus/tests"
    r = run([tool("promtool"), "test", "rules", *map(str, RULE_TESTS)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_alert_has_a_firing_and_a_silent_test():
    firing, silent = set(), set()
    for f in RULE_TESTS:
        doc = yaml.safe_load(f.read_text())
        assert sorted(Path(p).name for p in doc["rule_files"]) == sorted(p.name for p in RULE_FILES), f
        for test in doc["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else silent).add(case["alertname"])
    names = {a["alert"] for a in alerts()}
    assert names - firing == set(), "alerts never shown firing"
    assert names - silent == set(), "alerts never shown silent"
    assert (firing | silent) - names == set(), "tests of alerts that do not exist"


def test_alerts_of_spec_6_5_and_11_4_are_there():
    names = {a["alert"] for a in alerts()}
    # 6.5 (DatabaseConnectionPoolExhausted has our equivalent, ServiceDegraded
    # is CircuitBreakerOpen; see alerts.yml) and 11.4
    assert {"HighErrorRate", "HighLatency", "ErrorBudgetBurnRateTooFast", "CircuitBreakerOpen",
            "ConnectionLimitNearlyExhausted", "ErrorBudgetFastBurn", "ErrorBudgetMediumBurn",
            "ErrorBudgetSlowBurn", "LatencyBudgetFastBurn", "LatencyBudgetSlowBurn"} <= names
    # the spec's storage errors (6.2) and liveness memory threshold (4.2)
    assert {"StorageErrors", "HighMemory"} <= names
    # bulkheads refusing calls (3.3) and retry budgets spent (3.2)
    assert {"BulkheadSaturated", "RetryBudgetExhausted"} <= names
    for a in alerts():
        if "Burn" in a["alert"]:
            # multi-window: two SLI windows in one expression
            assert len(set(re.findall(r"ratio_rate(\w+)", a["expr"]))) == 2, a["alert"]


def test_alerts_have_labels_annotations_and_runbooks():
    for a in alerts():
        assert a["labels"]["severity"] in ("critical", "warning"), a["alert"]
        assert a["labels"].get("team"), a["alert"]
        ann = a["annotations"]
        assert ann.get("summary") and ann.get("description"), a["alert"]
        url = ann["runbook_url"]
        assert url.startswith("docs/runbooks/") and (REPO / url).is_file(), f"{a['alert']}: {url}"


def test_promtool_check_config():
    r = run([tool("promtool"), "check", "config", str(PROM / "prometheus.yml")])
    assert r.returncode == 0, r.stdout + r.stderr
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    assert [PROM / f for f in config["rule_files"]] == RULE_FILES
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "vaultd"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    # the admin listener's port of the ConfigMap
    admin = yaml.safe_load(configmap_vaultd_yaml())["server"]["admin_listen"]
    assert all(port_of(t) == port_of(admin) for sc in job["static_configs"] for t in sc["targets"])


def test_promtool_check_metrics_on_a_real_scrape(vaultd):
    make_traffic(vaultd)
    exposition = vaultd.metrics()
    r = run([tool("promtool"), "check", "metrics"], input=exposition)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        f"promtool check metrics complains:\n{r.stdout}{r.stderr}"


def test_rules_and_dashboards_use_real_metric_names(vaultd):
    known = exported_names(vaultd.metrics()) | recorded_names() | PENDING_METRICS
    used = {}
    for g in rule_groups():
        for r in g["rules"]:
            for name in METRIC_NAME.findall(r["expr"]):
                used.setdefault(name, r.get("alert") or r.get("record"))
    for expr, where in dashboard_queries():
        for name in METRIC_NAME.findall(expr):
            used.setdefault(name, where)
    unknown = {n: w for n, w in used.items() if n not in known}
    assert not unknown, f"metric names vaultd does not export and no rule records: {unknown}"
    # the SLIs' sources are there
    assert {"vault_requests_total", "vault_request_duration_seconds_bucket"} <= set(used)


# a {...} label set; quoted values may hold braces (endpoint="/api/v1/datasets/{id}")
LABEL_SET = r'\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}'


def duration_bucket_bounds(text: str) -> list:
    """The le values of vault_request_duration_seconds_bucket selectors or series in text."""
    return [m.group(1) for labels in re.findall(r"vault_request_duration_seconds_bucket" + LABEL_SET, text)
            for m in re.finditer(r'(?:^|,)\s*le\s*=\s*"([^"]*)"', labels)]


def test_latency_sli_threshold_is_a_bucket_vaultd_exports(vaultd):
    """The latency SLI counts the requests of the bucket at the SLO threshold
    (HighLatency's 0.2 s); a le the histogram does not have would match no
    series and silently leave the SLI without data. The rules compare the
    label as text, so the exposition must spell the bound the same way. The
    promtool test inputs model the real histogram: every bound is one vaultd
    exports, and an input histogram with the bucket just above the threshold
    has the threshold's bucket too."""
    make_traffic(vaultd)
    exported = set(duration_bucket_bounds(vaultd.metrics()))
    assert exported, "no vault_request_duration_seconds_bucket series in a scrape after traffic"
    (high_latency,) = [a for a in alerts() if a["alert"] == "HighLatency"]
    m = re.search(r"p99_rate5m > ([0-9.]+)", high_latency["expr"])
    assert m, high_latency["expr"]
    threshold = m.group(1)
    rule_bounds = {le for g in rule_groups() for r in g["rules"] for le in duration_bucket_bounds(r["expr"])}
    assert rule_bounds == {threshold}, rule_bounds
    assert threshold in exported, f"vaultd exports no le={threshold!r} bucket: {sorted(exported, key=float)}"

    above = min((b for b in exported if float(b) > float(threshold)), key=float)
    for f in RULE_TESTS:
        for test in yaml.safe_load(f.read_text())["tests"]:
            histograms = {}
            for s in test.get("input_series", []):
                for le in duration_bucket_bounds(s["series"]):
                    assert le in exported, f"{f.name}: {test['name']}: le={le!r} is not a bound of vaultd"
                    key = re.sub(r'(^|,)\s*le\s*=\s*"[^"]*"', "", s["series"].split("{", 1)[1])
                    histograms.setdefault(key, set()).add(le)
            for key, bounds in histograms.items():
                if above in bounds:
                    assert threshold in bounds, f"{f.name}: {test['name']}: {key} has no le={threshold!r}"


# ---------------------------------------------------------------------------
# a real Prometheus scraping the real vaultd

def prometheus_config(tmp: Path, target: str) -> Path:
    """deploy/prometheus/prometheus.yml with the test's target, 1 s scrapes and
    rule evaluation, no Alertmanager; the rule files are copies with 1 s group
    intervals (otherwise identical)."""
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config.pop("alerting", None)
    for job in config["scrape_configs"]:
        if job["job_name"] == "vaultd":
            job["static_configs"] = [{"targets": [target]}]
    files = []
    for f in config["rule_files"]:
        rules = yaml.safe_load((PROM / f).read_text())
        for g in rules["groups"]:
            g["interval"] = "1s"
        (tmp / f).write_text(yaml.safe_dump(rules, sort_keys=False))
        files.append(f)
    config["rule_files"] = files
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def prom_query(port, q):
    status, body = http_get(f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q}))
    data = json.loads(body)
    assert data["status"] == "success", data
    return data["data"]["result"]


def wait_for(what, fn, timeout=40):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except OSError as e:
            last = e
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def test_prometheus_scrapes_vaultd_and_evaluates_the_rules(vaultd, tmp_path):
    config = prometheus_config(tmp_path, f"127.0.0.1:{vaultd.admin_port}")
    r = run([tool("promtool"), "check", "config", str(config)])
    assert r.returncode == 0, r.stdout + r.stderr
    port = free_port()
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([tool("prometheus"), f"--config.file={config}",
                             f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        def ready():
            assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()[-3000:]
            return http_get(f"http://127.0.0.1:{port}/-/ready", timeout=2)[0] == 200
        wait_for("prometheus ready", ready)

        up = wait_for("target up", lambda: [s for s in prom_query(port, 'up{job="vaultd"}')
                                            if s["value"][1] == "1"])
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{vaultd.admin_port}"

        # traffic between scrapes, so that rates are non-zero
        def requests_seen():
            make_traffic(vaultd, 3)
            return prom_query(port, 'sum(increase(vault_requests_total{job="vaultd",endpoint="/api/v1/tenants"}[1m])) > 0')
        wait_for("vault_requests_total of API requests", requests_seen)
        series = prom_query(port, 'vault_requests_total{job="vaultd",endpoint="/api/v1/tenants",status="200"}')
        assert series and set(series[0]["metric"]) >= {"method", "endpoint", "status", "job", "instance"}

        # the recording rules give values on real data (labels as the rules expect)
        availability = wait_for("availability SLI", lambda: prom_query(
            port, 'slo:sli_error:ratio_rate1m{job="vaultd",slo="availability"}'))
        assert float(availability[0]["value"][1]) == 0.0
        latency = wait_for("latency SLI", lambda: prom_query(
            port, 'slo:sli_error:ratio_rate1m{job="vaultd",slo="latency"}'))
        assert 0.0 <= float(latency[0]["value"][1]) <= 1.0
        wait_for("throughput", lambda: prom_query(port, 'job:vault_requests:rate5m{job="vaultd"} > 0'))

        # every rule loaded and evaluated without error
        def rules_state():
            status, body = http_get(f"http://127.0.0.1:{port}/api/v1/rules")
            rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
            return rules if all(r["health"] != "unknown" for r in rules) else None
        rules = wait_for("rules evaluated", rules_state)
        expected = sum(len(g["rules"]) for g in rule_groups())
        assert len(rules) == expected
        bad = {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}
        assert not bad, bad
        # nothing fires on a healthy vaultd
        firing = [a["labels"]["alertname"] for a in
                  json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/alerts")[1])["data"]["alerts"]
                  if a["state"] == "firing"]
        assert firing == []
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# ---------------------------------------------------------------------------
# deploy/kubernetes

EXPECTED_KINDS = {
    "ConfigMap": "v1",
    "Deployment": "apps/v1",
    "PersistentVolumeClaim": "v1",
    "Service": "v1",
    "PodDisruptionBudget": "policy/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
}


def manifests():
    files = sorted(K8S.rglob("*.yaml"))
    assert files
    docs = []
    for f in files:
        for d in load_yaml_docs(f):
            assert isinstance(d, dict), f
            docs.append(d)
    return docs


def only(kind):
    (d,) = [m for m in manifests() if m["kind"] == kind]
    return d


def container():
    (c,) = only("Deployment")["spec"]["template"]["spec"]["containers"]
    return c


def test_manifests_parse_with_expected_kinds():
    seen = {}
    for d in manifests():
        assert d.get("apiVersion") and d.get("kind") and d.get("metadata", {}).get("name"), d
        seen[d["kind"]] = d["apiVersion"]
    assert seen == EXPECTED_KINDS


def test_selectors_and_ports_agree():
    dep = only("Deployment")
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    selector = dep["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    svc, pdb = only("Service"), only("PodDisruptionBudget")
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    # policy/v1 allows one of the two; the spec's intent: one pod at a time
    assert ("minAvailable" in pdb["spec"]) != ("maxUnavailable" in pdb["spec"])
    assert pdb["spec"].get("maxUnavailable") == 1

    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    server = yaml.safe_load(configmap_vaultd_yaml())["server"]
    assert ports == {"http": port_of(server["listen"]), "admin": port_of(server["admin_listen"])}
    (svc_port,) = svc["spec"]["ports"]
    assert svc_port["targetPort"] == "http"
    annotations = dep["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(ports["admin"])
    assert annotations["prometheus.io/path"] == "/metrics"


def test_deployment_probes_match_the_spec():
    c = container()
    for probe, (path, settings) in SPEC_PROBES.items():
        p = c[probe]
        assert p["httpGet"] == {"path": path, "port": "admin"}, probe
        assert {k: p[k] for k in settings} == settings, probe


def test_deployment_shutdown_fits_the_grace_period():
    dep = only("Deployment")
    pod = dep["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 60  # spec 5.3
    command = container()["lifecycle"]["preStop"]["exec"]["command"]
    m = re.search(r"sleep (\d+)", " ".join(command))
    assert m, command
    pre_stop = int(m.group(1))
    assert pre_stop == 5  # spec 5.3
    # SIGTERM comes after the preStop hook; vaultd then serves on for
    # drain_delay before it closes the listener and gives in-flight requests
    # shutdown_timeout: the three add up inside the grace period.
    jobs = yaml.safe_load(configmap_vaultd_yaml())["timeouts"]["jobs"]
    drain, shutdown = duration_seconds(jobs["drain_delay"]), duration_seconds(jobs["shutdown_timeout"])
    assert drain > 0, "without a drain window keep-alive clients are cut off at SIGTERM"
    assert pre_stop + drain + shutdown < pod["terminationGracePeriodSeconds"]


def test_configmap_readiness_agrees_with_the_deployment():
    """readiness.* in the ConfigMap describes the Deployment's readinessProbe
    (vaultd treats it as information), and every dependency check gives up
    before the probe does, so a hung dependency is a 503 naming it rather
    than a probe timeout."""
    config = yaml.safe_load(configmap_vaultd_yaml())
    probe = container()["readinessProbe"]
    readiness = config["readiness"]
    assert readiness["endpoint"] == probe["httpGet"]["path"]
    admin_port = {p["name"]: p["containerPort"] for p in container()["ports"]}["admin"]
    assert readiness["port"] == admin_port
    k8s = {re.sub(r"_(\w)", lambda m: m.group(1).upper(), k): v for k, v in readiness["kubernetes"].items()}
    assert k8s == {k: probe[k] for k in k8s} and len(k8s) == 5
    enabled = {n: c for n, c in readiness["checks"].items() if c["enabled"]}
    assert set(enabled) == {"database", "kms", "storage"}
    for name, check in enabled.items():
        assert check["critical"] is True, name
        assert duration_seconds(check["timeout"]) < probe["timeoutSeconds"], name
    assert config["faults"]["enabled"] is False
    assert not config["server"]["read_only_mode"] and not config["server"]["degraded_mode"]


def test_deployment_runs_the_configmap_and_its_secrets():
    dep, c = only("Deployment"), container()
    pod = dep["spec"]["template"]["spec"]
    # one writer over one data directory (see deploy/kubernetes/README.md)
    assert dep["spec"]["replicas"] == 1 and dep["spec"]["strategy"]["type"] == "Recreate"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    cm = only("ConfigMap")
    config_volume = next(n for n, v in volumes.items() if v.get("configMap", {}).get("name") == cm["metadata"]["name"])
    args = c["command"] + c["args"]
    assert args[args.index("--config") + 1] == mounts[config_volume] + "/vaultd.yaml"
    config = yaml.safe_load(configmap_vaultd_yaml())
    data_volume = next(n for n, v in volumes.items() if "persistentVolumeClaim" in v)
    assert volumes[data_volume]["persistentVolumeClaim"]["claimName"] == only("PersistentVolumeClaim")["metadata"]["name"]
    assert config["storage"]["data_dir"].startswith(mounts[data_volume] + "/")
    # the environment variable the key provider URL names comes from a Secret
    env_var = urllib.parse.parse_qs(urllib.parse.urlsplit(config["keys"]["provider_url"]).query)["master_key_env"][0]
    env = {e["name"]: e for e in c["env"]}
    assert "secretKeyRef" in env[env_var]["valueFrom"]
    assert not any(e["name"] in ("VAULT_LISTEN", "VAULT_DATA_DIR", "VAULT_ADMIN_LISTEN") for e in c["env"]), \
        "the environment would override the ConfigMap"
    res = c["resources"]
    assert res["requests"]["cpu"] and res["requests"]["memory"] and res["limits"]["memory"]


def test_hpa_matches_the_spec():
    hpa, dep = only("HorizontalPodAutoscaler"), only("Deployment")
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": dep["metadata"]["name"]}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (5, 50)
    targets = {("Resource", m["resource"]["name"]) if m["type"] == "Resource" else
               (m["type"], m["pods"]["metric"]["name"]) for m in spec["metrics"]}
    assert targets == {("Resource", "cpu"), ("Resource", "memory"), ("Pods", "vault_requests_per_second")}
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert spec["behavior"]["scaleUp"]["stabilizationWindowSeconds"] == 60
    # kept out of `kubectl apply -f deploy/kubernetes/` while vaultd is single-node
    assert not (K8S / "hpa.yaml").exists() and (K8S / "scale-out" / "hpa.yaml").exists()


def test_configmap_config_is_the_one_vaultd_runs_with(vaultd):
    """The vaultd fixture started (and became ready) with the ConfigMap's file;
    its metrics show a value that only the file sets."""
    config = yaml.safe_load(configmap_vaultd_yaml())
    metrics = vaultd.metrics()
    m = re.search(r"^vault_max_connections(?:\{[^}]*\})? (\S+)$", metrics, re.M)
    assert m and float(m.group(1)) == config["server"]["max_connections"]


def test_configmap_check_has_teeth(tmp_path):
    """vaultd refuses a config with a key it does not know (exit 2), so the
    start above really validates every key of the ConfigMap."""
    bad = tmp_path / "vaultd.yaml"
    bad.write_text(configmap_vaultd_yaml() + "no_such_section:\n  no_such_key: 1\n")
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log",
                      env={"VAULT_MASTER_KEY": secrets.token_hex(32)}, args=["--config", str(bad)])
    proc = srv.launch()
    try:
        assert proc.wait(60) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "unknown setting" in (tmp_path / "vaultd.log.err").read_text()


def test_probe_paths_answer_on_the_admin_listener(vaultd):
    """The probes answer 200 in the spec's shapes (4.2-4.4), and with the
    ConfigMap's readiness settings a healthy vaultd is "ready", not
    "degraded": every check healthy."""
    c = container()
    admin_port = {p["name"]: p["containerPort"] for p in c["ports"]}["admin"]
    config = yaml.safe_load(configmap_vaultd_yaml())
    assert port_of(config["server"]["admin_listen"]) == admin_port
    bodies = {}
    for probe in SPEC_PROBES:
        status, body = http_get(f"http://127.0.0.1:{vaultd.admin_port}{c[probe]['httpGet']['path']}")
        assert status == 200, probe
        bodies[probe] = json.loads(body)

    live = bodies["livenessProbe"]
    assert live["status"] == "alive" and live["timestamp"], live
    assert live["threads"] > 0 and live["rss_bytes"] > 0 and live["warnings"] == [], live

    ready = bodies["readinessProbe"]
    assert ready["status"] == ready["overall_status"] == "ready", ready
    checks = ready["checks"]
    assert {"metadata_store", "blob_store", "key_provider", "circuit_breakers", "bulkheads",
            "operating_mode", "disk_space"} <= set(checks), sorted(checks)
    assert {n: ch["status"] for n, ch in checks.items() if ch["status"] != "healthy"} == {}
    assert all(checks[n]["critical"] for n in ("metadata_store", "blob_store", "key_provider"))

    startup = bodies["startupProbe"]
    assert startup["status"] == "started" and startup["startup_duration_ms"] > 0, startup
    assert startup["components"] and all(startup["components"].values()), startup


def test_configmap_rate_limits_are_in_force(vaultd):
    """An authenticated answer carries X-RateLimit-* with a bucket size of
    the ConfigMap (the tighter of the tenant's and the server's)."""
    limits = yaml.safe_load(configmap_vaultd_yaml())["rate_limits"]
    r = vaultd.client(vaultd.admin_key).request("GET", "/api/v1/tenants")
    assert r.status == 200
    assert int(r.header("X-RateLimit-Limit")) == min(limits["per_tenant"]["burst"], limits["global"]["burst"])
    assert 0 <= int(r.header("X-RateLimit-Remaining")) < int(r.header("X-RateLimit-Limit"))
    assert r.header("X-RateLimit-Reset") is not None


def test_configmap_shutdown_drains_then_exits_0(tmp_path):
    """What the kubelet does after the preStop sleep: SIGTERM. With the
    ConfigMap's drain_delay vaultd answers readiness 503 at once, keeps
    answering API requests with Connection: close for the drain window,
    and exits 0 within the rest of the grace period."""
    config = tmp_path / "vaultd.yaml"
    config.write_text(configmap_vaultd_yaml())
    jobs = yaml.safe_load(configmap_vaultd_yaml())["timeouts"]["jobs"]
    drain = duration_seconds(jobs["drain_delay"])
    admin_port = free_port()
    srv = VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key="vk_e2e_" + secrets.token_hex(16),
                      env={"VAULT_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
                           "VAULT_MASTER_KEY": secrets.token_hex(32)},
                      args=["--config", str(config)])
    srv.start(timeout=120)
    client = srv.client(srv.admin_key)
    try:
        assert client.request("GET", "/api/v1/tenants").status == 200
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)

        def not_ready():
            try:
                http_get(f"http://127.0.0.1:{admin_port}/health/ready", timeout=2)
            except urllib.error.HTTPError as e:
                return e.code == 503
            return False
        wait_for("readiness 503 after SIGTERM", not_ready, timeout=drain)
        served = 0
        while time.monotonic() - t0 < drain * 0.6:
            r = client.request("GET", "/api/v1/tenants")
            assert r.status == 200, r
            assert (r.header("Connection") or "").lower() == "close", dict(r.headers)
            served += 1
            time.sleep(0.1)
        assert served > 0
        pod = only("Deployment")["spec"]["template"]["spec"]
        pre_stop = int(re.search(r"sleep (\d+)", " ".join(container()["lifecycle"]["preStop"]["exec"]["command"])).group(1))
        code = srv.proc.wait(pod["terminationGracePeriodSeconds"] - pre_stop)
        elapsed = time.monotonic() - t0
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
    assert code == 0, srv.log_tail()
    assert elapsed >= drain * 0.9, f"stopped after {elapsed:.1f} s, before the drain window of {drain} s ended"


# ---------------------------------------------------------------------------
# deploy/grafana

DASHBOARDS = ["slo-overview.json", "service-health.json", "error-analysis.json", "performance.json"]


def dashboards():
    return {name: json.loads((GRAFANA / name).read_text()) for name in DASHBOARDS}


def panels(dash):
    for p in dash["panels"]:
        yield p
        yield from p.get("panels", [])


def dashboard_queries():
    for name, dash in dashboards().items():
        for p in panels(dash):
            for t in p.get("targets", []):
                yield t["expr"], f"{name}: {p['title']}"
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                yield v["query"]["query"], f"{name}: variable {v['name']}"


def test_dashboards_are_what_generate_py_writes(tmp_path):
    r = run([sys.executable, str(GRAFANA / "generate.py"), str(tmp_path)])
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(DASHBOARDS)
    for name in DASHBOARDS:
        assert (tmp_path / name).read_text() == (GRAFANA / name).read_text(), \
            f"{name} differs from generate.py's output: run python3 deploy/grafana/generate.py"


def test_dashboards_are_well_formed():
    uids = set()
    for name, dash in dashboards().items():
        assert dash["uid"] not in uids and dash["title"] and dash["schemaVersion"] >= 36, name
        uids.add(dash["uid"])
        variables = {v["name"]: v for v in dash["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and "job" in variables, name
        ids = [p["id"] for p in panels(dash)]
        assert len(ids) == len(set(ids)), name
        for p in panels(dash):
            g = p["gridPos"]
            assert 0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0, (name, p["title"])
            if p["type"] != "row":
                assert p["targets"] and p["datasource"]["uid"] == "${datasource}", (name, p["title"])
                used = set(re.findall(r"\$(\w+)", " ".join(t["expr"] for t in p["targets"])))
                assert used <= set(variables) | {"__rate_interval"}, (name, p["title"], used)


def test_dashboard_queries_parse(tmp_path):
    """Every query, with the Grafana variables filled in, is checked by
    promtool as the expression of a recording rule."""
    rules = []
    for i, (expr, where) in enumerate(dashboard_queries()):
        if expr.startswith("label_values("):
            m = re.fullmatch(r"label_values\((.+), (\w+)\)", expr)
            assert m, where
            expr = m.group(1)
        expr = (expr.replace("$__rate_interval", "5m").replace('"$job"', '"vaultd"')
                .replace('"$instance"', '".+"'))
        assert "$" not in expr, where
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    r = run([tool("promtool"), "check", "rules", str(path)])
    assert r.returncode == 0, r.stdout + r.stderr


# ---------------------------------------------------------------------------
# docs/runbooks

def test_runbooks_of_the_spec_exist_and_are_indexed():
    # spec 9.3 and appendix B, plus one per alert family
    needed = {"high-error-rate", "database-failure", "kms-unavailable", "storage-failure", "memory-leak",
              "high-latency", "error-budget", "circuit-breaker", "connection-limit", "vaultd-unavailable",
              "bulkheads-and-retries"}
    present = {p.stem for p in RUNBOOKS.glob("*.md")} - {"README"}
    assert needed <= present
    index = (RUNBOOKS / "README.md").read_text()
    for stem in present:
        assert f"({stem}.md)" in index, stem
    for p in RUNBOOKS.glob("*.md"):
        for link in re.findall(r"\]\(([^)#]+\.md)", p.read_text()):
            assert (p.parent / link).is_file(), f"{p.name}: broken link {link}"
