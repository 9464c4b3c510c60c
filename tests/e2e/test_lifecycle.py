"""Process lifecycle: bootstrap key, invalid configuration, graceful shutdown
(SIGTERM with requests in flight), and durability across kill -9."""
import hashlib
import http.client
import json
import re
import secrets
import signal
import threading
import time

import pytest

from vaultlib import (VaultServer, chunked, import_jsonl, jsonl_lines, make_tenant, new_dataset)


def fresh(tmp_path, admin_key="gen", **kw):
    key = "vk_e2e_" + secrets.token_hex(16) if admin_key == "gen" else admin_key
    return VaultServer(tmp_path / "data", tmp_path / "vaultd.log", admin_key=key, **kw)


# ---------------------------------------------------------------------------
# bootstrap and configuration

def test_bootstrap_key_printed_once_on_first_start(tmp_path):
    srv = fresh(tmp_path, admin_key=None)
    srv.start()
    try:
        out = srv.stdout_text()
        tokens = re.findall(r"[A-Za-z0-9_\-.~+/=:]{20,}", out)
        candidates = {p for t in tokens for p in re.split(r"[=:]", t) + [t] if len(p) >= 20}
        working = [c for c in candidates
                   if srv.client(c).request("GET", "/api/v1/tenants").status == 200]
        assert len(working) == 1, f"no single working bootstrap key in stdout:\n{out[-3000:]}"
        key = working[0]
        assert out.count(key) == 1
        t = make_tenant(srv, srv.client(key))
        assert t.reader.request("GET", "/api/v1/datasets").status == 200
        # only a hash is stored
        for f in srv.data_dir.rglob("*"):
            if f.is_file():
                assert key.encode() not in f.read_bytes(), f"plaintext bootstrap key in {f}"
    finally:
        assert srv.stop() == 0
    srv.start()
    try:
        assert key not in srv.stdout_text(), "bootstrap key printed again on the second start"
        assert srv.client(key).request("GET", "/api/v1/tenants").status == 200
    finally:
        assert srv.stop() == 0


def test_bootstrap_key_from_environment_is_not_printed(tmp_path):
    srv = fresh(tmp_path).start()
    try:
        assert srv.admin_key not in srv.stdout_text()
        assert srv.admin_key not in srv.err_path.read_text()
        assert srv.client(srv.admin_key).request("GET", "/api/v1/tenants").status == 200
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize("env,args,mentions", [
    ({"VAULT_LISTEN": "nonsense"}, [], ("VAULT_LISTEN", "server.listen")),
    ({"VAULT_LISTEN": "127.0.0.1:99999"}, [], ("VAULT_LISTEN", "server.listen")),
    ({"VAULT_MAX_BODY_BYTES": "lots"}, [], ("VAULT_MAX_BODY_BYTES", "server.max_body_bytes")),
    ({"VAULT_SHUTDOWN_TIMEOUT": "forever"}, [], ("VAULT_SHUTDOWN_TIMEOUT", "timeouts.jobs.shutdown_timeout")),
    ({"VAULT_LOG_LEVEL": "loud"}, [], ("VAULT_LOG_LEVEL", "logging.level")),
    ({}, ["--no-such-flag"], ("--no-such-flag",)),
    ({}, ["--listen", "nonsense"], ("--listen", "server.listen")),
    ({}, ["--config", "/nonexistent/vault.yaml"], ("/nonexistent/vault.yaml",)),
])
def test_invalid_configuration_exits_2(tmp_path, env, args, mentions):
    """Exit code 2 and a message naming the setting (its key, env name or flag)."""
    srv = fresh(tmp_path, env=env, args=args)
    proc = srv.launch()
    code = proc.wait(30)
    text = srv.log_path.read_text("utf-8", "replace") + srv.err_path.read_text("utf-8", "replace")
    assert code == 2, f"exit code {code}; output:\n{text[-2000:]}"
    assert any(m in text for m in mentions), f"the message names none of {mentions}:\n{text[-2000:]}"
    assert "Segmentation" not in text and "terminate called" not in text


def test_invalid_yaml_config_exits_2(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("server: [unclosed\n")
    srv = fresh(tmp_path, args=["--config", str(cfg)])
    assert srv.launch().wait(30) == 2


# ---------------------------------------------------------------------------
# graceful shutdown

def probe_ready(port):
    """'ok', '503' or 'refused' for a new connection to /health/ready."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/health/ready")
        r = conn.getresponse()
        body = r.read()
        conn.close()
        if r.status == 503:
            assert json.loads(body)["status"] == "not_ready"
            return "503"
        assert r.status == 200, (r.status, body)
        return "ok"
    except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
        return "refused"


@pytest.mark.slow
def test_sigterm_lets_in_flight_requests_finish(tmp_path):
    srv = fresh(tmp_path).start()
    t = make_tenant(srv, srv.client(srv.admin_key))
    # a dataset big enough that its export is still streaming when SIGTERM arrives
    ds_exp = new_dataset(t.writer)
    exp_lines = list(jsonl_lines(40_000, pad=300))
    assert import_jsonl(t.writer, ds_exp["id"], chunked(exp_lines)).body["imported"] == 40_000
    expected_sha = hashlib.sha256(b"".join(exp_lines)).hexdigest()

    # in-flight export: read the first block, then pause
    conn = t.reader.connection()
    conn.request("GET", f"/api/v1/datasets/{ds_exp['id']}/records:export",
                 headers={"Authorization": f"Bearer {t.keys['reader']}"})
    exp_resp = conn.getresponse()
    assert exp_resp.status == 200
    got = hashlib.sha256(exp_resp.read(65536))

    # in-flight import: a slow streamed upload
    ds_imp = new_dataset(t.writer)
    n_chunks, per_chunk = 40, 500
    sent_two = threading.Event()
    result = {}

    def slow_body():
        for c in range(n_chunks):
            yield b"".join(jsonl_lines(per_chunk, start=c * per_chunk))
            if c == 1:
                sent_two.set()
            time.sleep(0.05)

    def importer():
        try:
            result["r"] = import_jsonl(t.writer, ds_imp["id"], slow_body())
        except Exception as e:  # noqa: BLE001 - reported below
            result["e"] = e

    th = threading.Thread(target=importer)
    th.start()
    assert sent_two.wait(30)
    time.sleep(0.2)

    srv.signal(signal.SIGTERM)
    # readiness goes away promptly and never comes back
    states = []
    for _ in range(100):
        states.append(probe_ready(srv.port))
        if states[-1] != "ok":
            break
        time.sleep(0.05)
    assert states[-1] in ("503", "refused"), states
    assert probe_ready(srv.port) in ("503", "refused")

    # the in-flight export completes
    while True:
        data = exp_resp.read(1 << 16)
        if not data:
            break
        got.update(data)
    conn.close()
    assert got.hexdigest() == expected_sha

    th.join(120)
    assert "e" not in result, result.get("e")
    r = result["r"]
    assert r.status == 200 and r.body["imported"] == n_chunks * per_chunk, r

    assert srv.proc.wait(60) == 0, srv.log_tail()

    srv.start()
    try:
        stats = t.reader.request("GET", f"/api/v1/datasets/{ds_imp['id']}/stats").body
        assert stats["records"] == n_chunks * per_chunk
    finally:
        assert srv.stop() == 0


def test_sigint_also_stops_cleanly(tmp_path):
    srv = fresh(tmp_path).start()
    srv.signal(signal.SIGINT)
    assert srv.proc.wait(60) == 0


# ---------------------------------------------------------------------------
# kill -9

@pytest.mark.slow
def test_acknowledged_single_writes_survive_kill9(tmp_path):
    srv = fresh(tmp_path).start()
    t = make_tenant(srv, srv.client(srv.admin_key))
    ds = new_dataset(t.writer)
    path = f"/api/v1/datasets/{ds['id']}/records"
    acked, lock, stop = {}, threading.Lock(), threading.Event()
    failures = []

    def worker(w):
        i = 0
        while not stop.is_set():
            data = {"w": w, "i": i, "pad": "p" * 100}
            try:
                r = t.writer.request("POST", path, json=data)
            except OSError:
                return  # the server died under us: not acknowledged
            if r.status != 201:
                failures.append(r)
                return
            with lock:
                acked[r.body["id"]] = data
            i += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 60
    while len(acked) < 500 and time.monotonic() < deadline and not failures:
        time.sleep(0.02)
    srv.kill9()
    stop.set()
    for th in threads:
        th.join(30)
    assert not failures, failures[:3]
    assert len(acked) >= 500

    t0 = time.monotonic()
    srv.start()
    to_ready = time.monotonic() - t0
    print(f"\nkill -9 under writes: {len(acked)} acknowledged; restart to ready in {to_ready:.2f} s")
    assert to_ready < 60  # the startup probe's budget (spec 4.4, deploy/kubernetes: 12 x 5 s)
    try:
        missing = []
        for rid, data in list(acked.items()):
            g = t.reader.request("GET", f"{path}/{rid}")
            if g.status != 200 or g.body["data"] != data:
                missing.append((rid, g.status))
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
        assert t.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body["records"] >= len(acked)
    finally:
        assert srv.stop() == 0


@pytest.mark.slow
def test_kill9_during_import_leaves_consistent_data(tmp_path):
    srv = fresh(tmp_path).start()
    t = make_tenant(srv, srv.client(srv.admin_key))
    ds = new_dataset(t.writer)
    total = 300_000
    sent = {"bytes": 0}
    halfway = threading.Event()

    def body():
        for chunk in chunked(jsonl_lines(total)):
            sent["bytes"] += len(chunk)
            if sent["bytes"] > 4 << 20:
                halfway.set()
            yield chunk

    def importer():
        try:
            import_jsonl(t.writer, ds["id"], body())
        except OSError:
            pass

    th = threading.Thread(target=importer)
    th.start()
    assert halfway.wait(60)
    srv.kill9()
    th.join(60)

    srv.start()
    try:
        assert t.reader.request("GET", "/health/ready").status == 200
        stats = t.reader.request("GET", f"/api/v1/datasets/{ds['id']}/stats").body
        resp, _, _, lines = t.reader.stream_download(f"/api/v1/datasets/{ds['id']}/records:export")
        assert resp.status == 200
        assert lines == stats["records"] <= total
        # every record that survived is one of the lines sent, byte for byte
        conn = t.reader.connection()
        conn.request("GET", f"/api/v1/datasets/{ds['id']}/records:export",
                     headers={"Authorization": f"Bearer {t.keys['reader']}"})
        seen = set()
        for raw in conn.getresponse().read().splitlines(keepends=True):
            i = json.loads(raw)["i"]
            assert raw == next(jsonl_lines(1, start=i)) and i not in seen
            seen.add(i)
        conn.close()
        # and the dataset takes writes again
        assert t.writer.request("POST", f"/api/v1/datasets/{ds['id']}/records", json={"after": 1}).status == 201
    finally:
        assert srv.stop() == 0


# ---------------------------------------------------------------------------
# the compiled pattern database kept between starts (pii.cache_dir)

def _pii_step_ms(srv):
    steps = srv.client().request("GET", "/health/startup").body["steps"]
    return next(s["duration_ms"] for s in steps if s["name"] == "pii_scanner")


def test_the_compiled_pattern_database_is_kept_in_the_data_dir_between_starts(tmp_path):
    import stat

    srv = fresh(tmp_path, env={"VAULT_PII_CACHE_DIR": ""})  # "" = the default, <data_dir>/cache
    srv.start()
    cache = tmp_path / "data" / "cache"
    try:
        first_ms = _pii_step_ms(srv)
    finally:
        assert srv.stop() == 0
    files = sorted(cache.glob("vectorscan-*.db"))
    assert files, list(cache.iterdir()) if cache.exists() else "no cache dir"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    written = {f: f.stat().st_mtime_ns for f in files}

    srv.start()
    try:
        second_ms = _pii_step_ms(srv)
        print(f"\npii_scanner start-up step: {first_ms:.0f} ms compiling, {second_ms:.0f} ms from the cache")
        assert {f: f.stat().st_mtime_ns for f in files} == written  # loaded, not compiled and written again
    finally:
        assert srv.stop() == 0

    # a damaged file is compiled again; scanning works as before
    for f in files:
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0xFF
        f.write_bytes(bytes(data))
    srv.start()
    try:
        admin = srv.client(srv.admin_key)
        r = admin.request("POST", "/api/v1/pii/detect", json={"text": "write to jane.roe@example.com"})
        assert r.status == 200 and [f["entity"] for f in r.body["findings"]] == ["EMAIL_ADDRESS"], r
        assert all(f.stat().st_mtime_ns != written[f] for f in files)  # replaced by sound ones
    finally:
        assert srv.stop() == 0
