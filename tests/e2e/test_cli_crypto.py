"""`vault encrypt` / `vault decrypt` / `vault keygen`: offline streaming file
encryption (docs/file-encryption.md). No server is needed.

The binary comes from $VAULT_BIN_DIR like the other e2e tests. Peak memory is
measured with os.wait4, which returns the rusage (ru_maxrss) of exactly the
child waited for.
"""
import hashlib
import os
import stat
import subprocess

import pytest

from vaultlib import VAULT_CLI

SIZE = 20 * 1024 * 1024 + 12345  # not a multiple of the chunk size
CHUNK = 64 * 1024
HEADER = 108
OVERHEAD = 20  # length prefix + GCM tag per chunk
EXIT_USAGE, EXIT_DECRYPT = 2, 7
FAST_ARGON = ["--argon2-iterations", "1", "--argon2-memory", "1MiB"]


def env(extra=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    e.update(extra or {})
    return e


def run(*args, extra_env=None, stdin=None, input_bytes=None):
    """Runs vault; returns (returncode, stdout bytes, stderr text, peak RSS in KiB)."""
    assert VAULT_CLI.exists(), f"{VAULT_CLI} is missing: scripts/build.sh build vault"
    if input_bytes is not None:
        p = subprocess.run([str(VAULT_CLI), *map(str, args)], env=env(extra_env), input=input_bytes,
                           capture_output=True, timeout=300)
        return p.returncode, p.stdout, p.stderr.decode(), None
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([str(VAULT_CLI), *map(str, args)], env=env(extra_env),
                             stdin=stdin if stdin is not None else subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read().decode(), usage.ru_maxrss


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def no_temp_files(directory):
    return [n for n in os.listdir(directory) if ".vault-tmp-" in n] == []


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("filecrypt")
    plain = d / "plain.bin"
    with open(plain, "wb") as f:
        for _ in range(SIZE // (1 << 20)):
            f.write(os.urandom(1 << 20))
        f.write(os.urandom(SIZE % (1 << 20)))
    key = d / "key"
    rc, _, err, _ = run("keygen", "-o", key)
    assert rc == 0, err
    enc = d / "plain.bin.venc"
    rc, _, err, rss = run("encrypt", plain, "-o", enc, "--key-file", key, "-q")
    assert rc == 0, err
    return {"dir": d, "plain": plain, "key": key, "enc": enc, "encrypt_rss": rss}


def test_keygen_writes_a_private_key_and_refuses_to_overwrite(work):
    key = work["key"]
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    text = key.read_text()
    assert len(text) == 65 and text.endswith("\n") and all(c in "0123456789abcdef" for c in text[:64])
    rc, _, err, _ = run("keygen", "-o", key)
    assert rc == EXIT_USAGE and "exists" in err
    assert key.read_text() == text
    other = work["dir"] / "key2"
    assert run("keygen", "-o", other)[0] == 0
    assert other.read_text() != text
    assert run("keygen", "-o", other, "--force")[0] == 0


def test_round_trip_20mb_in_constant_memory(work):
    plain, enc, key = work["plain"], work["enc"], work["key"]
    chunks = SIZE // CHUNK + 1
    assert os.path.getsize(enc) == HEADER + SIZE + chunks * OVERHEAD
    out = work["dir"] / "roundtrip.bin"
    rc, _, err, dec_rss = run("decrypt", enc, "-o", out, "--key-file", key, "-q")
    assert rc == 0, err
    assert sha(out) == sha(plain)
    # Baseline: the same binary doing no file work at all.
    _, _, _, base_rss = run("encrypt", "--help")
    for rss in (work["encrypt_rss"], dec_rss):
        assert rss - base_rss < 8 * 1024, f"peak RSS {rss} KiB vs {base_rss} KiB baseline: not streaming?"


def test_stdin_to_stdout(work):
    data = os.urandom(300_000)
    rc, enc, err, _ = run("encrypt", "-", "-o", "-", "--key-file", work["key"], input_bytes=data)
    assert rc == 0, err
    assert enc[:8] == b"VAULTENC" and data[:64] not in enc
    rc, dec, err, _ = run("decrypt", "-", "-o", "-", "--key-file", work["key"], input_bytes=enc)
    assert rc == 0, err
    assert dec == data


def tampered(work, name, mutate):
    data = bytearray(work["enc"].read_bytes())
    data = mutate(data)
    path = work["dir"] / name
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("case", ["one_byte_short", "final_chunk_removed", "half", "header_only"])
def test_truncation_is_detected_and_nothing_is_written(work, case):
    final_record = OVERHEAD + SIZE % CHUNK
    cut = {"one_byte_short": lambda d: d[:-1],
           "final_chunk_removed": lambda d: d[:-final_record],
           "half": lambda d: d[:len(d) // 2],
           "header_only": lambda d: d[:HEADER]}[case]
    bad = tampered(work, f"trunc_{case}.venc", cut)
    out = work["dir"] / f"trunc_{case}.out"
    rc, _, err, _ = run("decrypt", bad, "-o", out, "--key-file", work["key"])
    assert rc == EXIT_DECRYPT, err
    assert "DecryptionOperationError (VAULT_ERR_5004)" in err
    assert not out.exists()
    assert no_temp_files(work["dir"])
    if case in ("final_chunk_removed", "header_only"):
        assert "truncated" in err


def test_bit_flip_and_appended_data_are_detected(work):
    def flip(d):
        d[HEADER + 5 * (CHUNK + OVERHEAD) + 1000] ^= 0x04
        return d
    bad = tampered(work, "flip.venc", flip)
    out = work["dir"] / "flip.out"
    rc, _, err, _ = run("decrypt", bad, "-o", out, "--key-file", work["key"])
    assert rc == EXIT_DECRYPT and "chunk failed authentication" in err and '"chunk":5' in err
    assert not out.exists() and no_temp_files(work["dir"])
    # To stdout, only the chunks before the failing one (each authenticated) come out.
    rc, stdout, err, _ = run("decrypt", bad, "-o", "-", "--key-file", work["key"])
    assert rc == EXIT_DECRYPT
    assert stdout == work["plain"].read_bytes()[:5 * CHUNK]
    extended = tampered(work, "extended.venc", lambda d: d + b"\0")
    rc, _, err, _ = run("decrypt", extended, "-o", work["dir"] / "ext.out", "--key-file", work["key"])
    assert rc == EXIT_DECRYPT and "after the final chunk" in err


def test_wrong_key_and_not_an_encrypted_file(work):
    other = work["dir"] / "wrong.key"
    other.write_text("00" * 32 + "\n")
    os.chmod(other, 0o600)
    out = work["dir"] / "wrong.out"
    rc, stdout, err, _ = run("decrypt", work["enc"], "-o", "-", "--key-file", other)
    assert rc == EXIT_DECRYPT and "wrong key" in err and stdout == b""
    rc, _, err, _ = run("decrypt", work["plain"], "-o", out, "--key-file", work["key"])
    assert rc == 1 and "ValidationError" in err and not out.exists()


def test_passphrase_from_env_and_file(work, tmp_path):
    data = os.urandom(200_000)
    src = tmp_path / "p.bin"
    src.write_bytes(data)
    enc = tmp_path / "p.venc"
    rc, _, err, _ = run("encrypt", src, "-o", enc, "--passphrase-env", "PW", *FAST_ARGON,
                        extra_env={"PW": "correct horse battery staple"})
    assert rc == 0, err
    pwfile = tmp_path / "pw.txt"
    pwfile.write_text("correct horse battery staple\n")
    out = tmp_path / "p.out"
    rc, _, err, _ = run("decrypt", enc, "-o", out, "--passphrase-file", pwfile)
    assert rc == 0, err
    assert out.read_bytes() == data
    rc, _, err, _ = run("decrypt", enc, "-o", tmp_path / "x", "--passphrase-env", "PW", extra_env={"PW": "wrong"})
    assert rc == EXIT_DECRYPT and "wrong key or passphrase" in err
    rc, _, err, _ = run("decrypt", enc, "-o", tmp_path / "y", "--key-file", work["key"])
    assert rc == 1 and "passphrase" in err


def test_usage_errors(work, tmp_path):
    # No key source and no terminal: refuse rather than hang.
    rc, _, err, _ = run("encrypt", work["plain"], "-o", tmp_path / "a")
    assert rc == EXIT_USAGE and "no key given" in err
    # An existing output needs --force.
    rc, _, err, _ = run("encrypt", work["plain"], "-o", work["enc"], "--key-file", work["key"])
    assert rc == EXIT_USAGE and "exists" in err
    assert run("encrypt", work["plain"], "-o", tmp_path / "b", "--key-file", work["key"], "--chunk-size", "1KiB")[0] \
        == EXIT_USAGE
    assert run("encrypt", work["plain"], "-o", tmp_path / "c", "--key-file", work["key"],
               "--passphrase-env", "X")[0] == EXIT_USAGE
    assert run("encrypt", tmp_path / "missing", "-o", tmp_path / "d", "--key-file", work["key"])[0] == EXIT_USAGE
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("not a key")
    rc, _, err, _ = run("encrypt", work["plain"], "-o", tmp_path / "e", "--key-file", bad_key)
    assert rc == EXIT_USAGE and "not a key" not in err
    assert no_temp_files(tmp_path)


def test_custom_chunk_size_round_trip(work, tmp_path):
    enc = tmp_path / "c.venc"
    rc, _, err, _ = run("encrypt", work["plain"], "-o", enc, "--key-file", work["key"], "--chunk-size", "1MiB")
    assert rc == 0, err
    chunks = SIZE // (1 << 20) + 1
    assert os.path.getsize(enc) == HEADER + SIZE + chunks * OVERHEAD
    rc, _, err, _ = run("decrypt", enc, "-o", tmp_path / "c.out", "--key-file", work["key"])
    assert rc == 0, err
    assert sha(tmp_path / "c.out") == sha(work["plain"])
