"""Helpers shared by the end-to-end tests (stdlib only).

- VaultServer: starts/stops a real vaultd process on a free loopback port.
- Client: one HTTP request per connection; returns Response(status, headers, body)
  where body is parsed JSON for JSON answers, else bytes.
- assert_error: checks the exact error shape of docs/api.md / docs/error-codes.md.
- make_tenant: a tenant plus admin/writer/reader keys via the admin API.
"""
import hashlib
import http.client
import json as _json
import os
import tempfile
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(os.environ.get("VAULT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ.get("VAULT_BIN_DIR", REPO / "build" / "bin"))
VAULTD = BIN_DIR / "vaultd"
VAULT_CLI = BIN_DIR / "vault"

NO_KEY = ""  # pass as key= to send no Authorization header
_UNSET = object()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response(NamedTuple):
    status: int
    headers: Any  # http.client.HTTPMessage: case-insensitive .get()
    body: Any     # parsed JSON (dict/list) for JSON answers, else bytes

    def header(self, name, default=None):
        return self.headers.get(name, default)


def _decode(headers, raw: bytes):
    ctype = (headers.get("Content-Type") or "").lower()
    if raw and ctype.startswith("application/json"):
        return _json.loads(raw)
    return raw


class Client:
    """A tiny HTTP client bound to one server and (optionally) one API key."""

    def __init__(self, port: int, key: str | None = None, host: str = "127.0.0.1", timeout: float = 60):
        self.host, self.port, self.key, self.timeout = host, port, key, timeout

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _headers(self, headers, key):
        h = dict(headers or {})
        k = self.key if key is None else key
        if k:
            h.setdefault("Authorization", f"Bearer {k}")
        return h

    def request(self, method, path, json=_UNSET, body=None, headers=None, key=None) -> Response:
        """`json` is serialised with Content-Type: application/json; `body` is
        sent as is (bytes, str or an iterable of bytes → chunked)."""
        h = self._headers(headers, key)
        if json is not _UNSET:
            body = _json.dumps(json).encode()
            h.setdefault("Content-Type", "application/json")
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            return Response(resp.status, resp.headers, _decode(resp.headers, raw))
        finally:
            conn.close()

    def stream_download(self, path, headers=None, key=None, chunk=1 << 16, on_chunk=None):
        """GET streaming the body; returns (Response with body=b'', sha256 hex, byte
        count, line count). `on_chunk(n_bytes_so_far)` is called after each read."""
        conn = self.connection()
        try:
            conn.request("GET", path, headers=self._headers(headers, key))
            resp = conn.getresponse()
            if resp.status != 200:
                raw = resp.read()
                return Response(resp.status, resp.headers, _decode(resp.headers, raw)), None, 0, 0
            h = hashlib.sha256()
            total = lines = 0
            while True:
                data = resp.read(chunk)
                if not data:
                    break
                h.update(data)
                total += len(data)
                lines += data.count(b"\n")
                if on_chunk:
                    on_chunk(total)
            return Response(resp.status, resp.headers, b""), h.hexdigest(), total, lines
        finally:
            conn.close()

    def get_all(self, path, key=None, limit=None):
        """Follows next_cursor; returns every item."""
        items, cursor = [], None
        sep = "&" if "?" in path else "?"
        for _ in range(100000):
            q = []
            if limit:
                q.append(f"limit={limit}")
            if cursor:
                q.append(f"cursor={cursor}")
            r = self.request("GET", path + (sep + "&".join(q) if q else ""), key=key)
            assert r.status == 200, r
            items += r.body["items"]
            cursor = r.body["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("pagination did not end")


def raw_exchange(port: int, request: bytes, body_chunks=(), timeout=30) -> bytes:
    """Sends a raw HTTP request (head, then body chunks) while watching for an
    early answer (e.g. a 413 before the body is read), so a server that
    replies and closes early is not mistaken for a dropped connection.
    Returns the raw reply bytes (b"" when the server sent nothing)."""
    import select
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""

    def complete():
        head, sep, rest = out.partition(b"\r\n\r\n")
        if not sep:
            return False
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        return bool(m) and len(rest) >= int(m.group(1))

    try:
        pending = [request, *body_chunks]
        closed = False
        deadline = time.monotonic() + timeout
        while not closed and not complete() and time.monotonic() < deadline:
            readable, writable, _ = select.select([s], [s] if pending else [], [], 1.0)
            if readable:
                try:
                    data = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not data:
                    closed = True
                out += data
                continue
            if writable and pending:
                try:
                    s.sendall(pending.pop(0))
                except OSError:
                    pending = []
        return out
    finally:
        s.close()


def chunked_encoding(chunks) -> list:
    """Body chunks framed with HTTP/1.1 chunked transfer encoding."""
    return [b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c] + [b"0\r\n\r\n"]


def parse_raw_response(raw: bytes):
    """(status, headers dict lower-cased, parsed JSON body or bytes) of a raw reply."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines and lines[0].startswith("HTTP/1."), f"no HTTP reply: {raw[:200]!r}"
    status = int(lines[0].split()[1])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        rest = rest[: int(headers["content-length"])]
    body = rest
    if headers.get("content-type", "").startswith("application/json") and rest:
        body = _json.loads(rest)
    return status, headers, body


# ---------------------------------------------------------------------------
# error shape

ERROR_FIELDS = {"code", "type", "message", "details", "trace_id", "span_id",
                "timestamp", "retry_after", "documentation_url"}
CODE_RE = re.compile(r"^VAULT_ERR_\d{4}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def error_table():
    """type → (code, http status) from docs/error-codes.md."""
    table = {}
    for line in (REPO / "docs" / "error-codes.md").read_text().splitlines():
        m = re.match(r"^\| (VAULT_ERR_\d{4}) \| (\w+) \| (\d{3}) \|", line)
        if m:
            table[m.group(2)] = (m.group(1), int(m.group(3)))
    return table


ERRORS = error_table()


def assert_error_shape(status, headers_get, body, expected_status=None, expected_type=None):
    """Checks one error answer; `expected_type` may be a str or a set of str."""
    ctx = f"status={status} body={body!r}"
    if expected_status is not None:
        assert status == expected_status, ctx
    ctype = headers_get("content-type") or ""
    assert ctype.startswith("application/json"), f"content-type {ctype!r}; {ctx}"
    assert isinstance(body, dict) and set(body) == {"error"}, ctx
    e = body["error"]
    assert set(e) == ERROR_FIELDS, f"fields {sorted(e)}; {ctx}"
    assert CODE_RE.match(e["code"]), ctx
    assert isinstance(e["type"], str) and e["type"].endswith("Error"), ctx
    assert e["type"] in ERRORS, f"unknown type {e['type']}"
    assert ERRORS[e["type"]] == (e["code"], status), f"code/status disagree with docs: {ctx}"
    assert isinstance(e["message"], str) and e["message"], ctx
    assert isinstance(e["details"], dict), ctx
    assert HEX32.match(e["trace_id"]) and e["trace_id"] != "0" * 32, ctx
    assert HEX16.match(e["span_id"]), ctx
    assert TS_RE.match(e["timestamp"]), ctx
    assert e["retry_after"] is None or isinstance(e["retry_after"], int), ctx
    assert isinstance(e["documentation_url"], str) and e["documentation_url"], ctx
    if expected_type is not None:
        allowed = {expected_type} if isinstance(expected_type, str) else set(expected_type)
        assert e["type"] in allowed, ctx
    return e


def assert_error(resp: Response, expected_status=None, expected_type=None):
    return assert_error_shape(resp.status, resp.headers.get, resp.body, expected_status, expected_type)


# ---------------------------------------------------------------------------
# server process

# Where the servers of a test run share their compiled PII pattern database
# (pii.cache_dir): only the first start of a run compiles it.
E2E_CACHE_DIR = os.environ.get("VAULT_E2E_CACHE_DIR") or os.path.join(
    tempfile.gettempdir(), f"vault-e2e-cache-{os.getuid()}")


# Set by CTest for the e2e_pg.* run of the suite: the state directory of the
# PostgreSQL cluster of the fixture "pg" (scripts/services/pg_start.sh). Every
# data directory then gets a schema of its own on that server, so a server
# restarted on the same data directory finds its metadata again.
PG_STATE = os.environ.get("VAULT_E2E_PG_STATE", "")


def pg_server_url() -> str:
    return (Path(PG_STATE) / "url").read_text().strip()


def pg_database_url(data_dir: Path) -> str:
    """postgresql:// URL of a schema belonging to `data_dir` (created if missing)."""
    base = pg_server_url()
    schema = "e2e_" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", base, "-c", f"CREATE SCHEMA IF NOT EXISTS {schema}"],
                   check=True, stdout=subprocess.DEVNULL)
    return f"{base}?options=-csearch_path%3D{schema}"


def _cell(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def metadata_rows(data_dir: Path, sql: str, params=()) -> list:
    """The rows of `sql` (with ? placeholders) run directly on the metadata
    store of `data_dir`: its meta.db, or in the PostgreSQL run its schema
    (through psql; integers come back as int, everything else as str)."""
    if not PG_STATE:
        db = sqlite3.connect(Path(data_dir) / "meta.db")
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()
    n = iter(range(1, len(params) + 1))
    text = re.sub(r"\?", lambda _: f":'p{next(n)}'", sql)
    args = ["psql", "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1"]
    for i, v in enumerate(params, 1):
        args += ["-v", f"p{i}={v}"]
    out = subprocess.run(args + [pg_database_url(data_dir)], input=text + ";\n", capture_output=True,
                         text=True, check=True).stdout
    return [tuple(_cell(c) for c in line.split("\x1f")) for line in out.splitlines() if line]


class _Listening:
    """What a server on self.port offers the tests."""

    def client(self, key=None) -> Client:
        return Client(self.port, key)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class VaultServer(_Listening):
    """One vaultd process. `log_path` receives stdout, `log_path`.err stderr.
    In the PostgreSQL run (VAULT_E2E_PG_STATE) its metadata store is a schema
    of that server tied to `data_dir` unless `env` names a database itself."""

    def __init__(self, data_dir: Path, log_path: Path, admin_key: str | None = None,
                 env: dict | None = None, port: int | None = None, args=()):
        self.data_dir, self.log_path = Path(data_dir), Path(log_path)
        self.err_path = Path(str(log_path) + ".err")
        self.admin_key, self.extra_env, self.args = admin_key, dict(env or {}), list(args)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
        env.update({"VAULT_LISTEN": f"127.0.0.1:{self.port}", "VAULT_DATA_DIR": str(self.data_dir),
                    # one compiled pattern database for every server of the run (a test may override it)
                    "VAULT_PII_CACHE_DIR": E2E_CACHE_DIR})
        if self.admin_key:
            env["VAULT_BOOTSTRAP_ADMIN_KEY"] = self.admin_key
        if PG_STATE and "VAULT_DATABASE_URL" not in self.extra_env:
            env["VAULT_DATABASE_URL"] = pg_database_url(self.data_dir)
        env.update(self.extra_env)
        return env

    def launch(self):
        """Starts the process without waiting for readiness."""
        assert VAULTD.exists(), f"{VAULTD} is missing: build it first (scripts/build.sh build vaultd)"
        self.starts += 1
        out = open(self.log_path, "ab")
        err = open(self.err_path, "ab")
        marker = f"--- start {self.starts} ---\n".encode()
        out.write(marker), err.write(marker)
        out.flush(), err.flush()
        self.out_offset = out.tell()
        self.proc = subprocess.Popen([str(VAULTD), *self.args], env=self.environment(),
                                     stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        out.close(), err.close()
        return self.proc

    def start(self, timeout=60):
        self.launch()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"vaultd exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = self.client().request("GET", "/health/ready")
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"vaultd not ready after {timeout}s:\n{self.log_tail()}")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=60) -> int:
        """SIGTERM and wait; returns the exit code (kills on timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"vaultd did not stop within {timeout}s after SIGTERM")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stdout_text(self, this_start_only=True) -> str:
        data = self.log_path.read_bytes()
        if this_start_only:
            data = data[self.out_offset:]
        return data.decode("utf-8", "replace")

    def log_tail(self, n=40) -> str:
        parts = []
        for p in (self.log_path, self.err_path):
            if p.exists():
                lines = p.read_text("utf-8", "replace").splitlines()[-n:]
                parts.append(f"== {p.name} ==\n" + "\n".join(lines))
        return "\n".join(parts)


# ---------------------------------------------------------------------------
# several replicas behind haproxy (the e2e_cluster run)

# The services directory of the CTest fixture (pg/, s3/, redis/) when the
# suite's `server` is three replicas behind haproxy (VAULT_E2E_CLUSTER).
CLUSTER_SERVICES = os.environ.get("VAULT_E2E_CLUSTER", "")
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def settled(request, done, timeout=2.0):
    """`request()` until `done(response)`: at once on one vaultd; with
    replicas (the e2e_cluster run), for up to `timeout` s, since a revocation
    reaches the other replicas through Redis milliseconds after its answer."""
    r = request()
    deadline = time.monotonic() + timeout
    while CLUSTER_SERVICES and not done(r) and time.monotonic() < deadline:
        time.sleep(0.01)
        r = request()
    return r


class ClusterServer(_Listening):
    """Three vaultd replicas behind haproxy, as one server to the tests: they
    share a PostgreSQL schema (the one `data_dir` names, so metadata_rows
    works), an S3 prefix, the fixture's Redis and one SoftHSM token. The
    requests go through haproxy (least connections), so consecutive requests
    of a test land on different replicas. data_dir, log_path and
    stdout_text are the first replica's."""

    REPLICAS = 3

    def __init__(self, data_dir: Path, log_path: Path, admin_key: str, env: dict | None = None):
        services = Path(CLUSTER_SERVICES)
        self.data_dir, self.log_path, self.admin_key = Path(data_dir), Path(log_path), admin_key
        base = self.data_dir.parent
        pin = secrets.token_hex(4)
        tokens = base / "tokens"
        tokens.mkdir(exist_ok=True)
        conf = base / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                        "log.level = ERROR\nslots.removable = false\n")
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "e2e", "--so-pin", "1234", "--pin", pin],
                       check=True, capture_output=True, env={"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"})
        s3 = services / "s3"
        shared = {
            "VAULT_DATABASE_URL": pg_database_url(self.data_dir),
            "VAULT_BLOB_URL": f"s3://{(s3 / 'bucket').read_text().strip()}/e2e-{secrets.token_hex(6)}"
                              f"?endpoint={(s3 / 'endpoint').read_text().strip()}&region=us-east-1",
            "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER",
            "VAULT_CACHE_URL": (services / "redis" / "url").read_text().strip(),
            "VAULT_KEY_PROVIDER": f"pkcs11://{SOFTHSM_MODULE}?token=e2e&pin_env=VAULT_HSM_PIN",
            "VAULT_HSM_PIN": pin, "SOFTHSM2_CONF": str(conf),
            **(env or {}),
        }
        self.replicas = [VaultServer(self.data_dir if i == 0 else base / f"{self.data_dir.name}-r{i}",
                                     self.log_path if i == 0 else base / f"{self.log_path.name}-r{i}",
                                     admin_key=admin_key, env=shared)
                         for i in range(self.REPLICAS)]
        self.haproxy_state = base / "haproxy"
        self.port = None

    def start(self, timeout=60):
        try:
            # One after the other: the first migrates the schema and
            # bootstraps, the others find it done (and the file-backed token
            # is not opened by several processes at the same instant).
            for r in self.replicas:
                r.start(timeout)
            subprocess.run([str(REPO / "scripts/services/haproxy_start.sh"), str(self.haproxy_state),
                            *[str(r.port) for r in self.replicas]], check=True, stdout=subprocess.DEVNULL)
            self.port = int((self.haproxy_state / "port").read_text())
            # Until haproxy routes to every replica (two good checks, 200 ms apart).
            time.sleep(0.6)
            deadline = time.monotonic() + timeout
            while self.client().request("GET", "/health/ready").status != 200:
                assert time.monotonic() < deadline, "haproxy has no ready replica"
                time.sleep(0.1)
        except BaseException:
            self.stop()  # nothing left running when a start fails
            raise
        return self

    def stop(self, timeout=60) -> int:
        subprocess.run([str(REPO / "scripts/services/haproxy_stop.sh"), str(self.haproxy_state)], check=False)
        codes = [r.stop(timeout) for r in self.replicas]
        return max(codes, key=abs)

    def stdout_text(self, this_start_only=True) -> str:
        return self.replicas[0].stdout_text(this_start_only)

    def log_tail(self, n=40) -> str:
        return "\n".join(r.log_tail(n) for r in self.replicas)


# ---------------------------------------------------------------------------
# tenants and keys

class Tenant(NamedTuple):
    id: str
    name: str
    admin: Client
    writer: Client
    reader: Client
    key_ids: dict   # role → key id
    keys: dict      # role → secret


def create_key(admin: Client, tenant_id: str | None, role: str, name=None):
    body = {"name": name or f"{role}-{secrets.token_hex(3)}", "role": role}
    if tenant_id:
        body["tenant_id"] = tenant_id
    r = admin.request("POST", "/api/v1/api-keys", json=body)
    assert r.status == 201, r
    return r.body


def make_tenant(server: VaultServer, platform_admin: Client, name=None) -> Tenant:
    """Creates a tenant and one key per role with the platform admin key."""
    r = platform_admin.request("POST", "/api/v1/tenants", json={"name": name or "t-" + secrets.token_hex(5)})
    assert r.status == 201, r
    t = r.body
    keys, ids = {}, {}
    for role in ("admin", "writer", "reader"):
        k = create_key(platform_admin, t["id"], role)
        assert k["tenant_id"] == t["id"] and k["role"] == role, k
        keys[role], ids[role] = k["key"], k["id"]
    return Tenant(t["id"], t["name"], server.client(keys["admin"]), server.client(keys["writer"]),
                  server.client(keys["reader"]), ids, keys)


def wait_job(admin: Client, job_id: str, timeout=120):
    """The key job once it is no longer running (its JSON)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = admin.request("GET", f"/api/v1/keys/jobs/{job_id}")
        assert r.status == 200, r
        if r.body["state"] != "running":
            return r.body
        time.sleep(0.1)
    raise AssertionError(f"key job {job_id} did not finish within {timeout} s")


def new_dataset(client: Client, **fields):
    body = {"name": "ds-" + secrets.token_hex(6), **fields}
    r = client.request("POST", "/api/v1/datasets", json=body)
    assert r.status == 201, r
    return r.body


def jsonl_lines(n: int, start: int = 0, pad: int = 0):
    """Deterministic, varied JSONL lines (bytes, each ending in \\n): unicode,
    escapes, nested values and number spellings a re-serialiser would change."""
    for i in range(start, start + n):
        yield (b'{"i": %d, "text": "r\\u00e9cord %d \xe2\x9c\x93 \\"q\\"", "n": 1.50, "e": 1E3, '
               b'"tags": ["a", "b"], "nested": {"k": [1, {"z": null}]}%s}\n'
               % (i, i, (b', "pad": "' + b"x" * pad + b'"') if pad else b""))


def chunked(lines, size=1 << 16):
    """Groups byte lines into ~size-byte chunks (a generator body → chunked upload)."""
    buf = []
    n = 0
    for ln in lines:
        buf.append(ln)
        n += len(ln)
        if n >= size:
            yield b"".join(buf)
            buf, n = [], 0
    if buf:
        yield b"".join(buf)


def import_jsonl(client: Client, dataset_id: str, body, key=None, content_type="application/x-ndjson"):
    return client.request("POST", f"/api/v1/datasets/{dataset_id}/records:import", body=body,
                          headers={"Content-Type": content_type}, key=key)
