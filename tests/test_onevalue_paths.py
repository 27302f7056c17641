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


def test_proven_table_falls_with_order_and_matches_one_value():
    import json as _json

    import pytest

    from rmaplab.onevalue import summary

    df = summary.proven_table(16, range(1, 4))
    assert len(df) == 3 * df["construction"].nunique()
    for _, g in df.groupby("construction"):
        bits = list(g.sort_values("order")["proven_id_bits"])
        # twice the pages can never allow more ids
        assert bits == sorted(bits, reverse=True)
    row = summary.table_row(16, 2)
    per = _json.loads(row["per_construction"])
    at2 = df[df["order"] == 2].set_index("construction")["proven_id_bits"].to_dict()
    assert per == at2
    assert row["proven_id_bits"] == max(per.values()) == per[row["best_construction"]]
    assert row["upper_bound_id_bits"] <= 16
    with pytest.raises(ValueError, match=r"word_bits=7 is out of range: allowed \[8, 64\]"):
        summary.one_value(7, 2)
    with pytest.raises(ValueError, match=r"order=21 is out of range: allowed \[1, 20\]"):
        summary.one_value(16, 21)


def test_mapcount_answer_table_is_consistent_with_max_order():
    from rmaplab.onevalue.mapcount_bits import answer_table

    df = answer_table(ids=(8, 12), mapcount_bits=(0, 16), orders=(2, 5), word_bits=32)
    assert len(df) == 8
    # a design exists at an order iff the order is at most the largest proven one
    assert (df["exact"] == (df["order"] <= df["max_order"])).all()
    # the mapcount word is 64 bits; M of them go to the rmap value
    assert (df["count_bits"] == 64 - df["mapcount_bits"]).all()
    top = df.groupby(["id_bits", "mapcount_bits"])["max_order"].first()
    # more borrowed bits never hurt; wider ids never help
    assert top[(8, 16)] >= top[(8, 0)] and top[(12, 16)] >= top[(12, 0)]
    assert top[(8, 0)] >= top[(12, 0)] and top[(8, 16)] >= top[(12, 16)]
