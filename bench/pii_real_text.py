#!/usr/bin/env python3
"""PII findings on real text that ships with Debian, at the server's default
threshold: how often the detector fires on prose that holds (almost) no
personal data, per MB and per entity.

Corpora, read at run time from the machine (nothing copied into the project):

- licences: /usr/share/common-licenses (base-files). Judged: every finding
  is checked against bench/pii_real_text_judged.tsv, our judgement of what
  in these texts really is an entity of the reported type (the FSF's postal
  address, "Boston", "Mozilla", "James Hacker" of the GPL's example, dates,
  URLs). Whatever is not listed there counts as a false positive. The
  detector's rules were tuned looking at this corpus.
- manpages: the first N English manual pages of section 1 (sorted by name),
  rendered by man(1) to plain text with their AUTHOR(S), COPYRIGHT, REPORTING
  BUGS and SEE ALSO sections cut. Technical prose, unjudged: nearly every
  PERSON / ORGANIZATION / LOCATION finding in it is false by construction
  (but for the names of real companies: Microsoft, Google). The rules were
  looked at on the first 300 pages, so those are no longer held out;
  --man-skip 7 --man-step 50 samples 300 others across the whole section
  (on this machine mostly Google Cloud SDK pages) as the held-out check.
- copyright: /usr/share/doc/*/copyright (sorted, up to --mb MB). Full of
  real personal data (authors' names and e-mail addresses): findings per MB
  only, for comparison before and after a change.

Usage: bench/pii_real_text.py [--vault build/bin/vault] [--min-confidence 0.5]
                              [--man 400] [--man-skip 0] [--man-step 1]
                              [--mb 4] [--show 15]
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CUT_SECTIONS = re.compile(r"^(AUTHORS?|COPYRIGHT|REPORTING BUGS|SEE ALSO|HISTORY|BUGS)\s*$")


def render_manpages(count, out_dir, skip=0, step=1):
    pages = sorted(glob.glob("/usr/share/man/man1/*.1*"))[skip::step][:count]
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    n = 0
    for p in pages:
        try:
            text = subprocess.run(["man", "-l", p], capture_output=True, text=True, env=env, timeout=20).stdout
        except subprocess.TimeoutExpired:
            continue
        text = re.sub(r".\x08", "", text)  # overstrike bold / underline
        kept, cut = [], False
        for line in text.splitlines():
            if re.match(r"^[A-Z][A-Z /]+$", line):  # a section heading
                cut = bool(CUT_SECTIONS.match(line.strip()))
            if not cut:
                kept.append(line)
        with open(os.path.join(out_dir, os.path.basename(p) + ".txt"), "w") as f:
            f.write("\n".join(kept) + "\n")
        n += 1
    return n


def copy_files(paths, out_dir, max_bytes):
    total = 0
    for i, p in enumerate(paths):
        try:
            data = open(p, "rb").read()
        except OSError:
            continue
        if total + len(data) > max_bytes:
            break
        total += len(data)
        with open(os.path.join(out_dir, "%05d" % i), "wb") as f:
            f.write(data)


def scan(vault, path, min_conf):
    out = subprocess.run([vault, "scan", path, "--input-format", "text", "--min-confidence", str(min_conf),
                          "--format", "json", "--show-values", "--threads", "2"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def load_judged(path):
    judged = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            entity, pattern = line.split("\t", 1)
            judged[entity].append(re.compile(pattern))
    return judged


def is_true(judged, finding):
    """True when a judged pattern of the finding's entity matches at its offset, over its whole value."""
    raw = open(finding["file"], "rb").read()
    after = raw[finding["offset"]:finding["offset"] + len(finding["value"].encode()) + 60].decode("utf-8", "replace")
    for p in judged.get(finding["entity"], []):
        m = p.match(after)
        if m and m.end() >= len(finding["value"]):
            return True
    return False


def report(name, result, judged=None, show=15):
    if not result["summary"]["bytes"]:
        print("%s: nothing to scan" % name)
        return
    mb = result["summary"]["bytes"] / 1e6
    findings = result["findings"]
    by = collections.Counter(f["entity"] for f in findings)
    print("%s: %.2f MB, %d files, %d findings = %.1f per MB" %
          (name, mb, result["summary"]["files_scanned"], len(findings), len(findings) / mb))
    print("  per MB by entity: " + " ".join("%s=%.1f" % (e, n / mb) for e, n in sorted(by.items())))
    if judged is not None:
        false = [f for f in findings if not is_true(judged, f)]
        fby = collections.Counter(f["entity"] for f in false)
        print("  judged: %d true, %d false = %.1f false positives per MB" %
              (len(findings) - len(false), len(false), len(false) / mb))
        print("  false per MB by entity: " + " ".join("%s=%.1f" % (e, n / mb) for e, n in sorted(fby.items())))
        listed = collections.Counter((f["entity"], f["value"]) for f in false)
    else:
        listed = collections.Counter((f["entity"], f["value"]) for f in findings
                                     if f["entity"] in ("PERSON", "ORGANIZATION", "LOCATION", "ADDRESS", "TITLE",
                                                        "PREFIX"))
    if show:
        print("  most frequent %s:" % ("false positives" if judged is not None else "name-type findings"))
        for (e, v), n in listed.most_common(show):
            print("    %4d  %-14s %r" % (n, e, v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vault", default=os.path.join(HERE, "..", "build", "bin", "vault"))
    ap.add_argument("--min-confidence", type=float, default=0.5)
    ap.add_argument("--man", type=int, default=400, help="manual pages of section 1 to render")
    ap.add_argument("--man-skip", type=int, default=0,
                    help="start after this many pages (sorted by name)")
    ap.add_argument("--man-step", type=int, default=1,
                    help="take every STEP-th page: --man-skip 7 --man-step 50 samples the whole section, a "
                         "second held-out set when rules were looked at on the first pages")
    ap.add_argument("--mb", type=float, default=4, help="MB of copyright files")
    ap.add_argument("--show", type=int, default=15)
    a = ap.parse_args()
    judged = load_judged(os.path.join(HERE, "pii_real_text_judged.tsv"))
    with tempfile.TemporaryDirectory() as tmp:
        report("licences (/usr/share/common-licenses, judged)",
               scan(a.vault, "/usr/share/common-licenses", a.min_confidence), judged, a.show)
        man = os.path.join(tmp, "man")
        os.mkdir(man)
        n = render_manpages(a.man, man, a.man_skip, a.man_step)
        report("manpages (%d of man1 from #%d every %d, AUTHOR/COPYRIGHT/BUGS/SEE ALSO cut; unjudged)"
               % (n, a.man_skip, a.man_step),
               scan(a.vault, man, a.min_confidence), None, a.show)
        cp = os.path.join(tmp, "copyright")
        os.mkdir(cp)
        copy_files(sorted(glob.glob("/usr/share/doc/*/copyright")), cp, int(a.mb * 1e6))
        report("copyright files (/usr/share/doc/*/copyright: real names and addresses)",
               scan(a.vault, cp, a.min_confidence), None, a.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
