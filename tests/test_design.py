"""The design table: families, costs, the cheapest among the families searched."""

import json

from rmaplab.cli import main
from rmaplab.design import FAMILY_ORDER, design
from rmaplab.encoding import moments
from rmaplab.proof_encoding import proof_text_encoding

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
    assert len(err.splitlines()) == 1 and "max_order" in err and "allowed" in err
