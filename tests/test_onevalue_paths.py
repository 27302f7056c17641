"""``rmaplab one-value``'s text output against its own ``--json`` and hand facts."""

import json

from rmaplab.cli import main


def test_one_value_text_matches_json_and_hand_facts(capsys):
    argv = ["one-value", "--word-bits", "32", "--order", "9"]
    assert main([*argv, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    # distinct addends in one 32-bit word: at most 2**32 ids, i.e. <= 32 id bits
    assert r["upper_bound_id_bits"] <= 32
    assert r["gap_id_bits"] == r["upper_bound_id_bits"] - r["proven_id_bits"]
    assert r["open"] == (r["gap_id_bits"] > 0)
    assert main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("one 32-bit rmap value, order 9 (512 pages):")
    assert f"proven: {r['proven_id_bits']}-bit ids ({r['best_construction']}" in out
    assert f"gap: {r['gap_id_bits']} id bits (" in out
    assert "check: rmaplab verify --encoding" in out
