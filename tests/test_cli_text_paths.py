"""The text (not --json) outputs of `collide` and `one-value`: they state the
same numbers as the JSON of the same run, and the adversary's attack really
fools the posted check (replayed with tests/naive.py, from the posting)."""

import json
import re

import naive
import pytest

from rmaplab.cli import main
from rmaplab.config import DEFAULT_CONFIG
from rmaplab.encodings import families


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_collide_list_names_every_family_and_population(capsys):
    from rmaplab.collide import POPULATIONS

    code, out, _ = _run(capsys, "collide", "--list")
    assert code == 0
    names = {m.group(1) for m in re.finditer(r"^  (\S+):", out, re.M)}
    fams = {f.name for f in families()}
    assert fams <= names, sorted(fams - names)
    assert set(POPULATIONS) <= names
    assert {"posted", "digits-k2"} <= names  # shorthands beside the families
    assert max(map(len, out.splitlines())) <= 72


def test_collide_without_an_encoding_is_one_line_exit_2(capsys):
    code, out, err = _run(capsys, "collide", "--order", "9")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--encoding" in err


@pytest.mark.parametrize("ids", ["lowest-free", "adversary"])
def test_collide_ids_text_says_what_the_json_says(capsys, ids):
    argv = ["collide", "--ids", ids, "--encoding", "posted", "--order", "9", "--trials", "300"]
    code, text, _ = _run(capsys, *argv)
    assert code == 0
    code, js, _ = _run(capsys, *argv, "--json")
    r = json.loads(js)
    assert code == 0 and r["ids"] == ids and r["mms"] == 5
    flat = " ".join(text.split())
    assert f"P(false exclusive) = {r['probability']:.6g}" in flat
    assert f"by {r['method']}" in flat
    if "hits" in r:
        assert f"({r['trials']} families, {r['hits']} fooled)" in flat
    a = r.get("attack")
    if ids == "adversary":
        assert a and a["fooled"] and f"counts {a['counts']}" in flat
        # the attack replays from the posting: ids with their counts fool mm ids[0]
        g = DEFAULT_CONFIG.group_for(9)
        counts = dict(zip(a["ids"], a["counts"], strict=True))
        assert sum(counts.values()) == a["mappings"] <= 512
        assert not naive.mapped_shared(
            g.nr_values, g.bits, g.base_pages, 64, 9, counts, a["ids"][0]
        )
        assert r["probability"] == 1.0


def test_one_value_text_says_what_the_json_says(capsys):
    code, text, _ = _run(capsys, "one-value", "--word-bits", "64", "--order", "9")
    assert code == 0
    _, js, _ = _run(capsys, "one-value", "--word-bits", "64", "--order", "9", "--json")
    r = json.loads(js)
    flat = " ".join(text.split())
    assert f"proven: {r['proven_id_bits']}-bit ids ({r['best_construction']}" in flat
    assert f"gap: {r['upper_bound_id_bits'] - r['proven_id_bits']} id bits" in flat
    assert "conjecture" in flat and r["verify_command"] in flat
    assert max(map(len, text.splitlines())) <= 72


def test_one_value_text_never_prints_a_negative_order(capsys):
    """32-bit words: the growth law gives under one page for 22..31-bit ids
    (log2 pages < 0, order < 0 in the JSON); the text says "none"."""
    _, js, _ = _run(capsys, "one-value", "--word-bits", "32", "--order", "9", "--json")
    preds = json.loads(js)["growth_law"]["predictions"]
    assert all(p["order"] < 0 for p in preds) and all(p["log2_pages"] < 0 for p in preds)
    _, text, _ = _run(capsys, "one-value", "--word-bits", "32", "--order", "9")
    flat = " ".join(text.split())
    assert "order -" not in flat
    for p in preds:
        assert f"{p['id_bits']}-bit ids: none" in flat
