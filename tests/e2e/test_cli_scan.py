"""`vault scan`: offline PII/secret scan of local files (no server).

Builds a small tree (JSONL, JSON, CSV, text, a binary file, an excluded
directory, and files larger than one read chunk with values placed across
the chunk borders), runs the real binary from $VAULT_BIN_DIR and checks the
JSON, SARIF and table reports, the filters and the exit codes. Each run
compiles the scanner (~3 s), so the runs are shared through fixtures.
"""
import json
import os
import subprocess

import pytest

from vaultlib import E2E_CACHE_DIR, VAULT_CLI

EXIT_FOUND, EXIT_USAGE = 1, 2
CHUNK = 1 << 20  # TextWindower::kChunk and the JSONL batch size

# Raw values planted in the tree; none may appear in a report without --show-values.
EMAIL_JSONL = "john.doe@example.com"
SSN_JSONL = "536-90-4399"
CARD_BAD_LINE = "4111 1111 1111 1111"
PHONE_JSON = "+44 20 7946 0958"
EMAIL_JSON = "jane@corp.example.org"
EMAIL_CSV = "alice@example.com"
IP_CSV = "192.168.10.12"
IBAN_CSV = "DE89370400440532013000"
AWS_TXT = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TXT = "ghp_aBcdEfGhIjKlMnOpQrStUvWxYz0123456789"
BORDER_EMAIL = "border.case@example.com"
BIG_SSN = "219-09-9999"
RAW_VALUES = [EMAIL_JSONL, SSN_JSONL, CARD_BAD_LINE, PHONE_JSON, EMAIL_JSON, EMAIL_CSV, IP_CSV, IBAN_CSV,
              AWS_TXT, GITHUB_TXT, BORDER_EMAIL, BIG_SSN]
BIG_SSN_LINES = [1, 7000, 14321, 25000]


def run(*args):
    assert VAULT_CLI.exists(), f"{VAULT_CLI} is missing: scripts/build.sh build vault"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    env["VAULT_CACHE_DIR"] = E2E_CACHE_DIR  # compiled pattern databases shared by the run
    p = subprocess.run([str(VAULT_CLI), *map(str, args)], env=env, capture_output=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def big_text():
    """~2.5 MiB of filler; BORDER_EMAIL straddles the 1 MiB and 2 MiB borders."""
    filler = "lorem ipsum dolor sit amet consectetur\n"
    out = bytearray()
    for border in (CHUNK, 2 * CHUNK):
        start = border - 7
        while len(out) < start:
            out += filler.encode()
        del out[start:]
        out += b" " + BORDER_EMAIL.encode() + b" "
    while len(out) < int(2.5 * CHUNK):
        out += filler.encode()
    return bytes(out)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    d = tmp_path_factory.mktemp("scan")
    (d / "data").mkdir()
    (d / "data" / "a.jsonl").write_text(
        json.dumps({"user": {"email": EMAIL_JSONL, "note": "hello"}}) + "\n"
        + json.dumps({"id": 2, "text": f"my ssn is {SSN_JSONL} ok"}) + "\n"
        + f"not json but card {CARD_BAD_LINE}\n")
    (d / "data" / "b.json").write_text(
        '{\n  "name": "x",\n  "contact": {"phone": "%s",\n    "mail": "%s"}\n}\n' % (PHONE_JSON, EMAIL_JSON))
    (d / "data" / "c.csv").write_text(
        "name,email,comment\r\n"
        f'Zed,{EMAIL_CSV},"said ""hi"" from {IP_CSV}"\r\n'
        f'Kim,none,"multi\nline {IBAN_CSV}"\r\n')
    (d / "notes").mkdir()
    (d / "notes" / "t.txt").write_text(f"line one\nAWS key {AWS_TXT} here\n  token: {GITHUB_TXT}\n")
    (d / "notes" / "big.txt").write_bytes(big_text())
    lines = []
    for i in range(1, 30001):
        text = f"record {i} ssn {BIG_SSN}" if i in BIG_SSN_LINES else f"record {i} nothing to see here " * 2
        lines.append(json.dumps({"id": i, "text": text}))
    (d / "data" / "big.jsonl").write_text("\n".join(lines) + "\n")
    assert (d / "data" / "big.jsonl").stat().st_size > 2 * CHUNK
    (d / "blob.bin").write_bytes(b"abc\0def " + EMAIL_JSONL.encode())
    (d / "vendor").mkdir()
    (d / "vendor" / "lib.txt").write_text(f"mail {EMAIL_JSONL}\n")
    (d / "clean.txt").write_text("nothing sensitive in here\n")
    return d


@pytest.fixture(scope="module")
def report_t1(tree):
    rc, out, err = run("scan", tree, "--exclude", "vendor", "--format", "json", "--threads", "1")
    assert rc == 0, err
    return json.loads(out), out


@pytest.fixture(scope="module")
def report_t4(tree):
    rc, out, err = run("scan", tree, "--exclude", "vendor", "--format", "json", "--threads", "4")
    assert rc == 0, err
    return json.loads(out), out


def rel(tree, f):
    return os.path.relpath(f["file"], tree)


def find(report, tree, path, entity):
    return [f for f in report["findings"] if rel(tree, f) == path and f["entity"] == entity]


def test_json_report_locations(tree, report_t1):
    rep, _ = report_t1
    (e,) = find(rep, tree, "data/a.jsonl", "EMAIL_ADDRESS")
    assert e["line"] == 1 and e["pointer"] == "/user/email" and e["format"] == "jsonl"
    assert e["column"] == 21 and e["end_column"] == 21 + len(EMAIL_JSONL)  # after {"user": {"email": "
    (s,) = find(rep, tree, "data/a.jsonl", "US_SSN")
    assert s["line"] == 2 and s["pointer"] == "/text"
    (c,) = find(rep, tree, "data/a.jsonl", "CREDIT_CARD")  # invalid JSON line: scanned as text
    assert c["line"] == 3 and c["column"] == 19 and "pointer" not in c
    (p,) = find(rep, tree, "data/b.json", "PHONE_NUMBER")
    assert p["pointer"] == "/contact/phone" and p["line"] == 3 and p["format"] == "json"
    (m,) = find(rep, tree, "data/b.json", "EMAIL_ADDRESS")
    assert m["pointer"] == "/contact/mail" and m["line"] == 4 and m["column"] == 14
    (ce,) = find(rep, tree, "data/c.csv", "EMAIL_ADDRESS")
    assert ce["row"] == 1 and ce["column_name"] == "email" and ce["line"] == 2 and ce["column"] == 5
    (ip,) = find(rep, tree, "data/c.csv", "IP_ADDRESS")
    assert ip["row"] == 1 and ip["column_name"] == "comment"
    (iban,) = find(rep, tree, "data/c.csv", "IBAN_CODE")  # quoted field spanning two lines
    assert iban["row"] == 2 and iban["column_name"] == "comment" and iban["line"] == 3
    (aws,) = find(rep, tree, "notes/t.txt", "AWS_ACCESS_KEY_ID")
    assert (aws["line"], aws["column"], aws["offset"]) == (2, 9, len("line one\nAWS key "))
    assert find(rep, tree, "notes/t.txt", "GITHUB_TOKEN")[0]["line"] == 3
    assert rep["summary"]["parse_errors"] == 1


def test_chunk_borders_and_batches(tree, report_t1):
    rep, _ = report_t1
    big = find(rep, tree, "notes/big.txt", "EMAIL_ADDRESS")
    data = (tree / "notes" / "big.txt").read_bytes()
    offsets = [data.find(BORDER_EMAIL.encode()), data.find(BORDER_EMAIL.encode(), CHUNK + 1)]
    assert offsets[0] < CHUNK < offsets[0] + len(BORDER_EMAIL) and offsets[1] < 2 * CHUNK
    assert [f["offset"] for f in big] == offsets  # each found once, across the border
    for f, off in zip(big, offsets):
        assert f["line"] == data[:off].count(b"\n") + 1
        assert f["column"] == off - (data.rfind(b"\n", 0, off) + 1) + 1
    assert [f["line"] for f in find(rep, tree, "data/big.jsonl", "US_SSN")] == BIG_SSN_LINES


def test_summary_skips_binary_and_excluded_dirs(tree, report_t1):
    rep, _ = report_t1
    files = {rel(tree, f) for f in rep["findings"]}
    assert "vendor/lib.txt" not in files and "blob.bin" not in files
    assert [(os.path.relpath(s["file"], tree), s["reason"]) for s in rep["skipped"]] == [("blob.bin", "binary")]
    s = rep["summary"]
    assert s["files_scanned"] == 7 and s["files_skipped"] == 1
    assert s["findings"] == len(rep["findings"]) == sum(s["by_entity"].values())
    assert s["by_entity"]["US_SSN"] == 1 + len(BIG_SSN_LINES)
    sizes = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(tree) for n in ns
                if "vendor" not in r and n != "blob.bin")
    assert s["bytes"] == sizes and s["elapsed_seconds"] >= 0 and s["threads"] == 1


def test_no_raw_values_without_show_values(report_t1, report_t4):
    for _, text in (report_t1, report_t4):
        for v in RAW_VALUES:
            assert v not in text
    rep, _ = report_t1
    assert all(f["preview"].endswith("***") and "value" not in f for f in rep["findings"])


def test_same_findings_with_1_and_4_threads(report_t1, report_t4):
    a, b = report_t1[0], report_t4[0]
    assert a["findings"] == b["findings"] and len(a["findings"]) > 10
    keys = [(f["file"], f.get("line", 0), f.get("column", 0)) for f in a["findings"]]
    files = [k[0] for k in keys]
    assert files == sorted(files)  # sorted by file, then position
    assert b["summary"]["threads"] == 4


def test_sarif_shape(tree):
    rc, out, err = run("scan", tree / "data", tree / "notes" / "t.txt", "--format", "sarif")
    assert rc == 0, err
    for v in RAW_VALUES:
        assert v not in out
    doc = json.loads(out)
    assert doc["version"] == "2.1.0" and "sarif" in doc["$schema"]
    (run0,) = doc["runs"]
    driver = run0["tool"]["driver"]
    assert driver["name"] == "vault"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    results = run0["results"]
    assert {r["ruleId"] for r in results} <= set(rule_ids)  # one rule per entity the scanner knows
    assert {"EMAIL_ADDRESS", "US_SSN", "AWS_ACCESS_KEY_ID", "IBAN_CODE"} <= set(rule_ids)
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note") and r["message"]["text"]
        (loc,) = r["locations"]
        phys = loc["physicalLocation"]
        assert not phys["artifactLocation"]["uri"].startswith("/")
        region = phys["region"]
        assert isinstance(region["startLine"], int) and region["startLine"] >= 1
        if "startColumn" in region and "endColumn" in region and "endLine" not in region:
            assert region["endColumn"] > region["startColumn"] >= 1
    aws = [r for r in results if r["ruleId"] == "AWS_ACCESS_KEY_ID"][0]
    region = aws["locations"][0]["physicalLocation"]["region"]
    assert aws["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("notes/t.txt")
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (2, 9, 9 + len(AWS_TXT))


def test_sarif_rules_follow_entities_filter(tree):
    rc, out, err = run("scan", tree / "notes" / "t.txt", "--format", "sarif", "--entities", "GITHUB_TOKEN,US_SSN")
    assert rc == 0, err
    run0 = json.loads(out)["runs"][0]
    assert [r["id"] for r in run0["tool"]["driver"]["rules"]] == ["GITHUB_TOKEN", "US_SSN"]
    assert [(r["ruleId"], r["ruleIndex"]) for r in run0["results"]] == [("GITHUB_TOKEN", 0)]


def test_table_masks_and_show_values(tree):
    rc, out, err = run("scan", tree / "notes" / "t.txt", "--fail-on-detection")
    assert rc == EXIT_FOUND, err
    lines = out.splitlines()
    assert lines[0].split() == ["FILE", "LOCATION", "ENTITY", "SCORE", "PREVIEW"]
    row = [ln for ln in lines if "AWS_ACCESS_KEY_ID" in ln][0]
    assert "AK***" in row and "2:9" in row and AWS_TXT not in out and GITHUB_TXT not in out
    rc, out, _ = run("scan", tree / "notes" / "t.txt", "--show-values", "--format", "json")
    assert rc == 0
    vals = {f["entity"]: f["value"] for f in json.loads(out)["findings"]}
    assert vals["AWS_ACCESS_KEY_ID"] == AWS_TXT and vals["GITHUB_TOKEN"] == GITHUB_TXT


def test_clean_file_and_exit_codes(tree):
    rc, out, err = run("scan", tree / "clean.txt", "--fail-on-detection", "--format", "json")
    assert rc == 0, err
    assert json.loads(out)["findings"] == []
    rc, _, err = run("scan", tree / "no-such-file.txt")
    assert rc == EXIT_USAGE and "cannot read" in err and "no-such-file.txt" in err
    rc, _, err = run("scan", tree, "--entities", "NOT_AN_ENTITY")
    assert rc == EXIT_USAGE and "unknown entity" in err
    rc, _, _ = run("scan", tree, "--min-confidence", "1.5")
    assert rc == EXIT_USAGE
    rc, _, _ = run("scan", tree, "--format", "xml")
    assert rc == EXIT_USAGE


def test_repeated_json_keys_are_scanned_as_text(tmp_path):
    f = tmp_path / "dup.jsonl"
    f.write_text('{"note": "ssn 536-22-8726", "note": "ok"}\n')
    rc, out, err = run("scan", f, "--format", "json", "--entities", "US_SSN")
    assert rc == 0, err
    assert [x["entity"] for x in json.loads(out)["findings"]] == ["US_SSN"]


def test_entity_and_confidence_filters(tree, report_t1):
    rc, out, err = run("scan", tree, "--exclude", "vendor", "--format", "json", "--entities", "EMAIL_ADDRESS,US_SSN",
                       "--fail-on-detection")
    assert rc == EXIT_FOUND, err
    rep = json.loads(out)
    assert {f["entity"] for f in rep["findings"]} == {"EMAIL_ADDRESS", "US_SSN"}
    full = [f for f in report_t1[0]["findings"] if f["entity"] in ("EMAIL_ADDRESS", "US_SSN")]
    assert len(rep["findings"]) == len(full)
    rc, out, err = run("scan", tree, "--exclude", "vendor", "--format", "json", "--min-confidence", "0.9")
    assert rc == 0, err
    high = json.loads(out)["findings"]
    assert high and all(f["score"] >= 0.9 for f in high)
    assert len(high) == len([f for f in report_t1[0]["findings"] if f["score"] >= 0.9]) < len(report_t1[0]["findings"])


def test_include_and_exclude_globs(tree):
    rc, out, err = run("scan", tree, "--include", "*.csv", "--include", "notes/t.*", "--format", "json")
    assert rc == 0, err
    rep = json.loads(out)
    assert {rel(tree, f) for f in rep["findings"]} == {"data/c.csv", "notes/t.txt"}
    assert rep["summary"]["files_scanned"] == 2 and rep["summary"]["files_excluded"] > 0
    rc, out, err = run("scan", tree, "--exclude", "*.jsonl", "--exclude", "big*", "--exclude", "data/b.json",
                       "--format", "json", "--input-format", "auto")
    rep = json.loads(out)
    files = {rel(tree, f) for f in rep["findings"]}
    assert "vendor/lib.txt" in files and "data/c.csv" in files
    assert not any(f.endswith(".jsonl") or "big" in f or f == "data/b.json" for f in files)


def test_the_compiled_pattern_database_is_cached_between_runs(tmp_path):
    import stat

    cache = tmp_path / "cache"
    (tmp_path / "a.txt").write_text(f"mail {BORDER_EMAIL} today\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    env["VAULT_CACHE_DIR"] = str(cache)

    def scan():
        p = subprocess.run([str(VAULT_CLI), "scan", str(tmp_path / "a.txt"), "--format", "json"], env=env,
                           capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, p.stderr
        report = json.loads(p.stdout)
        return [f["entity"] for f in report["findings"]], report["summary"]["compile_seconds"]

    first, compile_first = scan()
    files = sorted(cache.glob("vectorscan-*.db"))
    assert files and stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    written = {f: f.stat().st_mtime_ns for f in files}
    second, compile_second = scan()
    print(f"\nvault scan: scanner built in {compile_first:.2f} s compiling, {compile_second:.2f} s from the cache")
    assert second == first == ["EMAIL_ADDRESS"]
    assert {f: f.stat().st_mtime_ns for f in files} == written  # read, not written again
    env["VAULT_CACHE_DIR"] = ""  # empty: no cache
    assert scan()[0] == first
