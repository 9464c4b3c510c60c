"""`vault pii eval`: detection figures and the leak rate on a labelled file in
the presidio-research format (offline, no server). The file is written here,
so every figure is known in advance: a sentence whose card, e-mail and
name are found, one with a value no detector finds (a job title), and one
with an unlabelled card (a false positive)."""
import json

import pytest

from test_cli_anonymize import run
from vaultlib import PG_STATE

pytestmark = pytest.mark.skipif(bool(PG_STATE), reason="offline CLI: no store, the embedded run covers it")

CARD = "4111 1111 1111 1111"


def span(text, value, label):
    b = text.index(value)
    return {"entity_type": label, "start_position": b, "end_position": b + len(value)}


def labelled(tmp_path):
    a = f"Please charge {CARD} and mail the receipt to jane.doe@example.com today."
    b = "She works as Chief Happiness Officer for the team."
    c = "Reference 5555 5555 5555 4444 is on file."
    data = [
        {"full_text": a, "spans": [span(a, CARD, "CREDIT_CARD"), span(a, "jane.doe@example.com", "EMAIL_ADDRESS")]},
        {"full_text": b, "spans": [span(b, "Chief Happiness Officer", "TITLE")]},
        {"full_text": c, "spans": []},
    ]
    path = tmp_path / "labelled.json"
    path.write_text(json.dumps(data))
    return path


def test_figures_and_leak_rate_as_json(tmp_path):
    code, out, err, _ = run("--format", "json", "pii", "eval", labelled(tmp_path))
    assert code == 0, err
    r = json.loads(out)
    assert r["texts"] == 3 and r["operator"] == "replace" and r["min_confidence"] == 0.5
    card = r["labels"]["CREDIT_CARD"]
    assert (card["labelled"], card["found"], card["predicted"], card["correct"]) == (1, 1, 2, 1)
    assert card["precision"] == 0.5 and card["recall"] == 1.0 and card["leaked"] == 0
    email = r["labels"]["EMAIL_ADDRESS"]
    assert (email["labelled"], email["found_exact"], email["leak_rate"]) == (1, 1, 0.0)
    title = r["labels"]["TITLE"]  # no detector: found by nothing, left verbatim
    assert (title["labelled"], title["found"], title["leaked"], title["leak_rate"]) == (1, 0, 1, 1.0)
    assert r["all"]["labelled"] == 3 and r["all"]["leaked"] == 1
    assert r["mapping"]["URL"] == "DOMAIN_NAME"


def test_operator_and_threshold_change_what_leaks(tmp_path):
    path = labelled(tmp_path)
    # keep: nothing is rewritten, every labelled value leaks
    code, out, err, _ = run("--format", "json", "pii", "eval", path, "--strategy", "keep")
    assert code == 0, err
    assert json.loads(out)["all"]["leak_rate"] == 1.0
    # mask keeping the last 4 digits still hides the card as a whole value
    code, out, err, _ = run("--format", "json", "pii", "eval", path, "--strategy", "mask", "--param", "keep_last=4")
    assert code == 0, err
    assert json.loads(out)["labels"]["CREDIT_CARD"]["leaked"] == 0
    # a key-based operator gets a key of its own for the run
    code, out, err, _ = run("--format", "json", "pii", "eval", path, "--strategy", "pseudonymize")
    assert code == 0, err
    assert json.loads(out)["labels"]["EMAIL_ADDRESS"]["leaked"] == 0


def test_table_and_bad_input(tmp_path):
    code, out, err, _ = run("pii", "eval", labelled(tmp_path))
    assert code == 0, err
    text = out.decode()
    assert "LEAK" in text and "CREDIT_CARD" in text and "ALL" in text
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"full_text": "abc", "spans": [{"entity_type": "X", "start_position": 2,
                                                                "end_position": 9}]}]))
    code, out, err, _ = run("pii", "eval", bad)
    assert code == 2 and "item 0" in err and "outside" in err, err
    notjson = tmp_path / "x.json"
    notjson.write_text("{")
    code, _, err, _ = run("pii", "eval", notjson)
    assert code == 2 and "not JSON" in err, err
    code, _, err, _ = run("pii", "eval", labelled(tmp_path), "--map", "NOPE=X")
    assert code == 2 and "unknown entity" in err, err


def test_calibration_and_leaked_values(tmp_path):
    path = labelled(tmp_path)
    code, out, err, _ = run("--format", "json", "pii", "eval", path)
    assert code == 0, err
    r = json.loads(out)
    # every scored finding is in one score band, and the bands add up to the totals
    bands = r["calibration"]
    assert bands and all(0.5 <= b["min_score"] < b["max_score"] <= 1.0 for b in bands)
    assert sum(b["findings"] for b in bands) == r["all"]["predicted"]
    assert sum(b["correct"] for b in bands) == r["all"]["correct"]
    # --show-leaks lists what the anonymization left behind, with its text
    code, out, err, _ = run("pii", "eval", path, "--show-leaks", "TITLE")
    assert code == 0, err
    lines = [l for l in out.decode().splitlines() if l.startswith("LEAK ")]
    assert lines == ['LEAK TITLE "Chief Happiness Officer" in: She works as Chief Happiness Officer for the team.']
    code, out, err, _ = run("pii", "eval", path, "--show-leaks", "CREDIT_CARD")
    assert code == 0 and "LEAK " not in out.decode(), err
