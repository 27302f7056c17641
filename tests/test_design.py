"""The design table: families, costs, the cheapest among the families searched."""

import json

import pytest

from rmaplab import ConfigError
from rmaplab.certify import proof_text_encoding
from rmaplab.cli import main
from rmaplab.design import FAMILY_ORDER, design
from rmaplab.encodings import moments

ROW_KEYS = {"order", "encoding", "values", "bytes", "atomics_per_update", "verdict", "proof_lines"}


def test_design_24_bit_ids_order_9_and_13():
    df = design(24, 64, 13, min_order=13)
    fam = df[~df["best"]].set_index("encoding")
    assert list(fam.index) == list(FAMILY_ORDER)
    assert fam.loc["moments", "values"] == 2 and fam.loc["moments", "bytes"] == 16
    assert fam.loc["moments", "atomics_per_update"] == 2 + 1 + 2 + 2
    assert fam.loc["bit-counters", "values"] == 24
    best = df[df["best"]].iloc[0]
    assert best["encoding"] == "moments" and best["values"] == 2
    # no family searched proves one value safe here
    assert (fam["values"].dropna() >= 2).all()


def test_proofs_fit_mail_and_say_their_length():
    for o in (9, 13, 18, 19):
        text = proof_text_encoding(moments(24, 64), o)
        lines = text.splitlines()
        assert max(map(len, lines)) <= 72
        assert f"({len(lines)} lines:" in lines[-1]
    assert "fits in 15" in proof_text_encoding(moments(24, 64), 13)


def test_cli_design_json(capsys):
    assert (
        main(
            [
                "design",
                "--id-bits",
                "16",
                "--word-bits",
                "32",
                "--max-order",
                "3",
                "--min-order",
                "2",
                "--json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    for o in (2, 3):
        mine = [r for r in rows if r["order"] == o]
        assert len(mine) == len(FAMILY_ORDER) + 1
        assert sum(r["best"] for r in mine) == 1
        for r in mine:
            assert ROW_KEYS <= set(r)


def test_cli_design_bad_input(capsys):
    assert main(["design", "--id-bits", "24", "--word-bits", "64", "--max-order", "70"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-order" in err and "allowed" in err


def test_design_cost_measures_each_design_with_the_matching_c_case():
    import pandas as pd

    from rmaplab.design_cost import bench_case_for, design_cost

    def row(fam, k, detail=""):
        return {"encoding": fam, "values": k, "detail": detail}

    assert bench_case_for(row("moments", 2, "moments: sums of id^(1, 2)"), "per-update") == (
        "moments",
        2,
    )
    assert bench_case_for(row("moments", 3, "moments packed: 8-bit"), "per-update") == (
        "table-quadratic",
        3,
    )
    assert bench_case_for(row("moments", 3, "moments packed: 8-bit"), "per-mm") == ("digits", 3)
    assert bench_case_for(row("raw-id", 1), "per-update") is None
    assert bench_case_for(row("digits", 1), "per-update") is None  # 2**24-entry table
    assert bench_case_for(row("digits", 9), "per-mm") is None  # beyond the C loop's K
    design = pd.DataFrame(
        [
            {"id_bits": 24, "word_bits": 64, "order": 9, "best": True, **row("digits", 3)},
            {"id_bits": 24, "word_bits": 64, "order": 9, "best": False, **row("moments", 2)},
        ]
    )
    df = design_cost(design, orders=(9,), iters=20_000, repeat=1)
    assert list(df["addends"]) == ["per-mm", "per-update"]
    # the posted K = 3 per-mm path is its own reference: the same measurement
    assert df.loc[df["addends"] == "per-mm", "ratio_vs_posted"].item() == 1.0
    with pytest.raises(ConfigError, match="orders"):
        design_cost(design, orders=(13,))
