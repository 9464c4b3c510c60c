#!/usr/bin/env python3
"""JSONL import/export benchmark for vaultd (python3 standard library only).

Generates N JSONL records of about 1 KB (chat-style records with varied text),
streams the file to POST /api/v1/datasets/{id}/records:import, streams
GET .../records:export back to a file, and prints records/s and MB/s for each,
whether the export is byte-identical to the import, and the peak RSS of vaultd
(VmHWM) after the import and after the export.

By default it starts build/bin/vaultd itself on a free loopback port with a
fresh data dir; --url/--key use an existing server instead (the key must be a
writer; RSS is then not reported).

--pii-every N puts personal data (a name, an e-mail address, a phone number,
sometimes a card number or a street address) into one message of every N-th
record (N=3: about one record in three), so the import pays for findings, not
only for a scan that finds nothing; without it the records hold no PII and the
import figure understates the cost of scanning. Findings are flagged (the
server's default policy), so the export stays byte-identical.

The export is measured cold by default: after the import, vaultd is restarted
(its in-process caches: SQLite page cache, DEK cache, auth cache are gone) and
the kernel page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches),
when permitted. The script prints which it managed; if the page cache could not
be dropped the export figure is warm (data file in the page cache). --warm
skips both (the old behaviour). With --url nothing is restarted.

Goals (issue 2): import >= 50,000 records/s, export >= 200 MB/s.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

from procfs import cpu_seconds

CHUNK = 1 << 20

WORDS = """the a to and of in for is on that with your you it this can be please order account
refund shipping delivery password reset email address invoice payment card subscription plan
upgrade cancel support ticket issue error message update version app install login two factor
authentication device browser settings profile notification data export privacy policy request
thanks hello sorry help question answer today tomorrow week month days hours minutes team agent
customer product model training dataset evaluation prompt response quality review feedback label
annotate summary translate german french english spanish code python function bug fix deploy
server latency timeout retry cache database backup restore region cluster node storage""".split()
ROLES = ["user", "assistant"]
SOURCES = ["support-chat", "email", "forum", "sales-call", "docs-qa"]
LANGS = ["en", "en", "en", "de", "fr", "es"]
TAGS = ["billing", "login", "shipping", "bug", "feature", "refund", "privacy", "onboarding"]


PII_NAMES = ["Maria Garcia", "Jonas Becker", "Aisha Khan", "Tom O'Brien", "Yuki Tanaka", "Lena Novak",
             "Pedro Alves", "Sarah Miller", "Ahmed Hassan", "Olga Petrova"]
PII_STREETS = ["12 Orchard Road", "Kerkstraat 4", "221 Baker Street", "Via Garibaldi 15", "48 Elm Avenue"]


def pii_sentence(rng):
    name = rng.choice(PII_NAMES)
    first, last = name.split(" ", 1)
    mail = f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com"
    phone = f"+1 415 555 {rng.randint(0, 9999):04d}"
    parts = [f"My name is {name}", f"you can reach me at {mail}", f"or call {phone}"]
    extra = rng.randint(0, 2)
    if extra == 1:
        parts.append("the card on file is 4111 1111 1111 1111")
    elif extra == 2:
        parts.append(f"please ship it to {rng.choice(PII_STREETS)}")
    return ", ".join(parts) + "."


def make_sentences(rng, count=4000):
    out = []
    for _ in range(count):
        n = rng.randint(6, 18)
        s = " ".join(rng.choice(WORDS) for _ in range(n))
        out.append(s[0].upper() + s[1:] + rng.choice([".", ".", "?", "!"]))
    return out


def generate(path, n, seed=42, pii_every=0):
    """Writes n records of ~1 KB (PII in every pii_every-th, 0 = none); returns (bytes, seconds)."""
    rng = random.Random(seed)
    sentences = make_sentences(rng)
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        buf = []
        for i in range(n):
            turns = []
            budget = rng.randint(400, 850)  # text bytes: records average ~1 KB
            while budget > 0:
                k = rng.randint(1, 4)
                text = " ".join(rng.choices(sentences, k=k))
                turns.append({"role": ROLES[len(turns) % 2], "content": text})
                budget -= len(text)
            if pii_every and i % pii_every == 0:
                t = turns[0]
                t["content"] = pii_sentence(rng) + " " + t["content"]
            rec = {
                "conversation_id": f"conv-{i:08d}",
                "source": rng.choice(SOURCES),
                "lang": rng.choice(LANGS),
                "created_at": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                              f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
                "messages": turns,
                "tags": rng.sample(TAGS, rng.randint(0, 3)),
                "rating": rng.randint(1, 5),
                "tokens": sum(len(t["content"].split()) for t in turns),
            }
            buf.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            if len(buf) == 10000:
                f.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")
    return os.path.getsize(path), time.perf_counter() - t0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, url, key):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.key = key

    def conn(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=3600, blocksize=CHUNK)

    def call(self, method, path, body=None, key=None):
        c = self.conn()
        headers = {"Authorization": f"Bearer {key or self.key}", "Content-Type": "application/json"}
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:500]!r}")
        return json.loads(data) if data else None


def wait_ready(url, proc, timeout=30):
    u = urllib.parse.urlsplit(url)
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"vaultd exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=1)
            c.request("GET", "/health/ready")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("vaultd did not become ready")


def vm_hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def rss_parts_mb(pid):
    """Current RssAnon (heap, stacks) and RssFile (mapped files: the binary, SQLite's mmap) in MB."""
    parts = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("RssAnon", "RssFile", "RssShmem"):
                    parts[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return parts


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--url", help="existing server, e.g. http://127.0.0.1:8080")
    ap.add_argument("--key", help="writer API key for --url")
    ap.add_argument("--vaultd", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin", "vaultd"))
    ap.add_argument("--data", help="JSONL file to use (generated there if missing, and kept)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (vaultd log, data dir, export)")
    ap.add_argument("--pii-every", type=int, default=0, metavar="N",
                    help="PII in every N-th record (3: about one in three); default 0: no PII")
    ap.add_argument("--warm", action="store_true",
                    help="export without restarting vaultd or dropping the page cache")
    args = ap.parse_args()
    if bool(args.url) != bool(args.key):
        ap.error("--url and --key go together")

    tmp = tempfile.mkdtemp(prefix="vault-io-bench.")
    proc = None
    try:
        src = args.data or os.path.join(tmp, "records.jsonl")
        if not os.path.exists(src):
            size, secs = generate(src, args.records, pii_every=args.pii_every)
            print(f"generated {args.records:,} records, {size / 1e6:.1f} MB in {secs:.1f}s -> {src}"
                  + (f" (PII in every {args.pii_every}. record)" if args.pii_every else " (no PII)"))
        elif args.pii_every:
            print(f"note: --pii-every ignored, {src} exists (it was generated earlier)")
        size = os.path.getsize(src)
        with open(src, "rb") as f:
            records = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(CHUNK), b""))

        if args.url:
            client = Client(args.url, args.key)
        else:
            port = free_port()
            admin = "bench-admin-" + secrets.token_hex(16)
            env = dict(os.environ, VAULT_LISTEN=f"127.0.0.1:{port}", VAULT_DATA_DIR=os.path.join(tmp, "data"),
                       VAULT_BOOTSTRAP_ADMIN_KEY=admin)
            log = open(os.path.join(tmp, "vaultd.log"), "ab")
            proc = subprocess.Popen([args.vaultd], env=env, stdout=log, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, proc)
            admin_client = Client(url, admin)
            tenant = admin_client.call("POST", "/api/v1/tenants", {"name": "bench"})
            key = admin_client.call("POST", "/api/v1/api-keys",
                                    {"name": "bench", "role": "writer", "tenant_id": tenant["id"]})["key"]
            client = Client(url, key)

        ds = client.call("POST", "/api/v1/datasets",
                         {"name": f"io-bench-{secrets.token_hex(4)}", "description": "import/export benchmark"})
        base = f"/api/v1/datasets/{ds['id']}"

        # Import: stream the file (http.client sends it in CHUNK-sized blocks).
        c = client.conn()
        cpu0 = cpu_seconds(proc.pid) if proc else float("nan")
        t0 = time.perf_counter()
        with open(src, "rb") as f:
            c.request("POST", f"{base}/records:import", body=f, headers={
                "Authorization": f"Bearer {client.key}", "Content-Type": "application/x-ndjson",
                "Content-Length": str(size)})
            r = c.getresponse()
            answer = r.read()
        t_import = time.perf_counter() - t0
        cpu_import = (cpu_seconds(proc.pid) - cpu0) if proc else float("nan")
        c.close()
        if r.status != 200:
            raise RuntimeError(f"import: {r.status} {answer[:500]!r}")
        report = json.loads(answer)
        hwm_import = vm_hwm_mb(proc.pid) if proc else float("nan")
        parts_import = rss_parts_mb(proc.pid) if proc else {}

        # Cold export: restart vaultd (in-process caches) and drop the page cache.
        cold = []
        if not args.warm:
            if proc:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
                proc = subprocess.Popen([args.vaultd], env=env, stdout=log, stderr=subprocess.STDOUT)
                wait_ready(url, proc)
                cold.append("vaultd restarted")
            os.sync()
            try:
                with open("/proc/sys/vm/drop_caches", "w") as f:
                    f.write("3\n")
                cold.append("page cache dropped")
            except OSError as e:
                cold.append(f"page cache NOT dropped ({e.strerror}): data files may be warm")
        export_state = "cold: " + ", ".join(cold) if cold else "warm (--warm)"

        # Export: stream to a file.
        out = os.path.join(tmp, "export.jsonl")
        c = client.conn()
        t0 = time.perf_counter()
        c.request("GET", f"{base}/records:export", headers={"Authorization": f"Bearer {client.key}"})
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"export: {r.status} {r.read()[:500]!r}")
        exported = 0
        with open(out, "wb") as f:
            while chunk := r.read(CHUNK):
                f.write(chunk)
                exported += len(chunk)
        t_export = time.perf_counter() - t0
        c.close()
        hwm_end = vm_hwm_mb(proc.pid) if proc else float("nan")
        parts_end = rss_parts_mb(proc.pid) if proc else {}
        identical = exported == size and sha256_file(out) == sha256_file(src)

        print(f"records: {records:,}, {size / 1e6:.1f} MB, average {size / max(records, 1):.0f} bytes")
        print(f"import: {report.get('imported'):,} imported, {report.get('failed')} failed in {t_import:.2f}s = "
              f"{records / t_import:,.0f} records/s, {size / 1e6 / t_import:.1f} MB/s  (goal >= 50,000 records/s)")
        if proc:
            print(f"vaultd CPU during the import: {cpu_import:.1f} s = {cpu_import / t_import:.2f} cores "
                  f"(of {os.cpu_count()}; below that, the import waits on something else than vaultd's CPU)")
        print(f"export: {exported / 1e6:.1f} MB in {t_export:.2f}s = {exported / 1e6 / t_export:.1f} MB/s, "
              f"{records / t_export:,.0f} records/s  (goal >= 200 MB/s) [{export_state}]")
        print(f"export byte-identical to import: {'yes' if identical else 'NO'}")
        if proc:
            print(f"vaultd peak RSS (VmHWM): {hwm_import:.0f} MB after import, {hwm_end:.0f} MB after export"
                  + (" (restarted process)" if not args.warm else ""))
            print("vaultd RSS now, by kind: after import " + " ".join(f"{k} {v:.0f} MB" for k, v in parts_import.items()) + "; after export " + " ".join(f"{k} {v:.0f} MB" for k, v in parts_end.items()))
        print(f"records with PII: {'one in %d' % args.pii_every if args.pii_every else 'none'} "
              f"(VAULT_PII_ENABLED={os.environ.get('VAULT_PII_ENABLED', 'default')})")
        return 0 if identical and report.get("failed") == 0 else 1
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
