"""Issue 20's constructions as registered encoding families
(:mod:`rmaplab.encodings.convex`), ``rmaplab one-value`` and its chart.

The families' verdicts are compared with ``tests/naive.py``'s breadth-first
search over the addends (written from the check's definition, not from the
packing lemma) on tiny widths, where both can be run to the end."""

from __future__ import annotations

import json

import pytest
from naive import bfs_min_mappings

from rmaplab.certify import verify_encoding
from rmaplab.config import ConfigError
from rmaplab.encodings import (
    CONVEX_FAMILIES,
    RULE_TABLE,
    behrend_encoding,
    convex_encoding,
    get_family,
    plan_addend_python,
)

TINY = ("parabola", "parabola-centered", "polygon", "paraboloid-3d", "behrend")


def _enc(name, id_bits, word_bits, design):
    if name == "behrend":
        return behrend_encoding(id_bits, word_bits, design)
    return convex_encoding(name, id_bits, word_bits, design)


def _rows(enc):
    return [enc.addends(i) for i in range(1, enc.max_id + 1)]


@pytest.mark.parametrize("name", TINY)
def test_verdicts_agree_with_brute_force_on_tiny_widths(name):
    certified = refused_unsafe = 0
    for id_bits in (2, 3):
        for word_bits in range(5, 13):
            for design in (1, 2, 3):
                enc = _enc(name, id_bits, word_bits, design)
                rows = _rows(enc)
                for order in range(1, 5):
                    P = 1 << order
                    truth = bfs_min_mappings(rows, word_bits, P - 1)  # None: never fooled
                    cert = enc.fam.certificate(enc, order)
                    if cert is not None:
                        certified += 1
                        assert truth is None, (name, id_bits, word_bits, design, order)
                    v = verify_encoding(enc, order)
                    assert v.verdict == ("safe" if truth is None else "unsafe")
                    if truth is not None:
                        refused_unsafe += cert is None
                        assert v.min_mappings == truth and v.proven_minimal
    # neither side of the comparison is empty
    assert certified and refused_unsafe


def test_certificate_refuses_parameters_the_lemma_does_not_cover():
    fam = get_family("paraboloid-3d")
    ok = convex_encoding("paraboloid-3d", 19, 64, 9)
    cert = fam.certificate(ok, 9)
    assert cert is not None and cert["words"][0]["need"] <= 1 << 64
    # one id bit more: need exceeds the word
    assert fam.certificate(convex_encoding("paraboloid-3d", 20, 64, 9), 9) is None
    # bases made for order 9 say nothing at order 10
    assert fam.certificate(ok, 10) is None
    # the lemma's product, recomputed here from the ranges
    rs, p = cert["ranges"], 1 << 9
    prod = 1
    for r in rs:
        prod *= (p - 1) * r + 1
    assert prod == cert["words"][0]["need"]
    poly = get_family("polygon")
    assert poly.certificate(convex_encoding("polygon", 14, 64, 13), 13) is not None
    assert poly.certificate(convex_encoding("polygon", 15, 64, 13), 13) is None


def test_wide_ids_verdicts_at_the_headline_widths():
    for name, bits, order in (("paraboloid-3d", 19, 9), ("polygon", 14, 13)):
        v = verify_encoding(convex_encoding(name, bits, 64, order), order)
        assert (v.verdict, v.method, v.family) == ("safe", "packing-lemma", name)
        assert v.certificate["checked_order"] == order
        over = verify_encoding(convex_encoding(name, bits + 1, 64, order), order)
        assert over.verdict == "undecided" and "does not apply" in over.evidence


def test_addends_plan_and_lemma_packing():
    enc = convex_encoding("polygon", 8, 32, 4)
    plan = enc.plan()
    assert plan.rule == RULE_TABLE
    for i in (1, 77, 255):
        assert plan_addend_python(plan, i, 0, 32) == enc.addends(i)[0]
    # an addend is the point's offsets in mixed radix: decode and compare
    lay = enc.fam._layout(enc)
    from rmaplab.onevalue.convex import point_of

    a = enc.addends(77)[0]
    digits = []
    for b_next in [*lay["bases"][1:], None]:
        digits.append(a % (b_next // lay["bases"][len(digits)]) if b_next else a)
        a //= b_next // lay["bases"][len(digits) - 1] if b_next else 1
    assert tuple(d + m for d, m in zip(digits, lay["mins"], strict=True)) == point_of(
        "polygon", 256, 77
    )
    # ids over 16 bits get one word's table (tests/test_packing_plan.py), up to 22
    with pytest.raises(ConfigError, match="id_bits=23"):
        convex_encoding("paraboloid-3d", 23, 64, 9).plan()
    with pytest.raises(ConfigError, match="construction='cone' is unknown"):
        convex_encoding("cone", 8, 32, 4)


def test_cli_verify_and_proof(capsys):
    from rmaplab.cli import main

    argv = ["verify", "--encoding", "polygon", "--id-bits", "14", "--word-bits", "64"]
    assert main([*argv, "--max-order", "13", "--order", "13", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["verdict"], row["method"], row["order"]) == ("safe", "packing-lemma", 13)
    assert main(["proof", *argv[1:], "--max-order", "13", "--order", "12"]) == 0
    out = capsys.readouterr().out
    assert "Packing lemma, P = 8192" in out and "SAFE." in out
    assert max(len(x) for x in out.splitlines()) <= 72


@pytest.mark.parametrize("w, o, m", [(64, 9, 0), (64, 13, 0), (32, 9, 0), (64, 9, 32)])
def test_one_value_cli_json(capsys, w, o, m):
    from rmaplab.cli import main
    from rmaplab.onevalue.summary import JSON_FIELDS

    argv = ["one-value", "--word-bits", str(w), "--order", str(o), "--json"]
    assert main([*argv, "--mapcount-bits", str(m)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert list(r)[: len(JSON_FIELDS)] == list(JSON_FIELDS)
    assert (r["order"], r["word_bits"], r["mapcount_bits"]) == (o, w, m)
    assert r["gap_id_bits"] == r["upper_bound_id_bits"] - r["proven_id_bits"]
    assert r["open"] == (r["gap_id_bits"] > 0)
    assert r["source"].endswith("one_value_table.csv")
    get_family(r["best_construction"])  # a registered family
    if m:
        assert r["verify_command"] is None
        return
    # the verify command's certificate backs proven_id_bits, and one bit more fails
    cmd = r["verify_command"].split()
    assert cmd[:2] == ["rmaplab", "verify"]
    assert main(cmd[1:]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["verdict"], row["method"]) == ("safe", "packing-lemma")
    name, bits = r["best_construction"], r["proven_id_bits"]
    fam = get_family(name)
    assert fam.certificate(_enc(name, bits + 1, w, o), o) is None


def test_shipped_table_recomputes():
    from rmaplab.onevalue import summary

    df = summary.load_table()
    assert sorted(zip(df.word_bits, df.order, df.mapcount_bits, strict=True)) == sorted(
        summary.table_cells()
    )
    for w, o, m in [(64, 9, 0), (32, 5, 0), (64, 13, 0), (64, 16, 0)]:
        got = summary.one_value(w, o, m)
        want = summary.lookup(w, o, m)
        assert want is not None
        assert {k: got[k] for k in want} == want
    # every best construction is a registered family with a certificate hook
    for name in set(df.best_construction) - {""}:
        assert name in CONVEX_FAMILIES or name == "behrend"
        assert hasattr(get_family(name), "certificate")


def test_one_value_cli_refuses_bad_mapcount_bits(capsys):
    from rmaplab.cli import main

    argv = ["one-value", "--word-bits", "64", "--order", "13", "--mapcount-bits", "55"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--mapcount-bits=55" in err[0] and "allowed [0, 50]" in err[0]


def test_one_value_chart_and_view():
    from rmaplab.plotting import ONE_VALUE_REFERENCES
    from rmaplab.views import ONE_VALUE_VIEW, Params

    df = ONE_VALUE_VIEW.build(Params())
    cols = ["construction", "word_bits", "order", "proven_id_bits", "at_scan_cap"]
    assert list(df.columns) == cols
    assert set(df[df.at_scan_cap].construction) == {"polygon"}  # the 17-bit scan
    spec = ONE_VALUE_VIEW.render_chart(df, Params()).to_dict()
    assert "64-bit" in spec["title"]["text"]
    assert any("orders 4..16" in s and "mapcount bits 0" in s for s in spec["title"]["subtitle"])
    lines, rules, _labels = spec["layer"]
    data = spec["datasets"]
    line_rows = data[lines["data"]["name"]]
    # every legend entry has data: each construction has a row per order
    names = {r["construction"] for r in line_rows}
    assert names == set(df["construction"])
    for n in names:
        assert len([r for r in line_rows if r["construction"] == n]) == 13
    refs = {r["id_bits"]: r["reference"] for r in data[rules["data"]["name"]]}
    assert refs == ONE_VALUE_REFERENCES
    assert any("polygon" in x for x in spec["title"]["subtitle"][1:])
    text = ONE_VALUE_VIEW.render_text(df, Params())
    assert max(len(x) for x in text.splitlines()) <= 72
    # the view's numbers are the computation's
    from rmaplab.onevalue.summary import ONE_WORD

    row = df[(df.order == 9) & (df.construction == "polygon")].iloc[0]
    assert row.proven_id_bits == ONE_WORD["polygon"](64, 9)
