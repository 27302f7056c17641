"""The id-space table (rmaplab.idspace) against the verifier, cell by cell:
each design's largest exact order is `safe` under `rmaplab verify` and, where
the design has no certificate one order up, `unsafe` there."""

import json

import pytest

from rmaplab.cli import main
from rmaplab.idspace import id_space_table, id_space_text


def _verify(capsys, *args) -> dict:
    assert main(["verify", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)[0]


@pytest.fixture(scope="module")
def table():
    return id_space_table(id_bits=(16, 24, 31), word_bits=(64, 32)).set_index(
        ["id_bits", "word_bits", "design"]
    )


# (b, W): moments' rule W + 2 - 2b, written out here, not read from the module
@pytest.mark.parametrize("b, w, rule", [(24, 64, 18), (31, 64, 4), (16, 32, 2)])
def test_moments_cells_match_verify(table, capsys, b, w, rule):
    o = int(table.loc[(b, w, "moments"), "largest_exact_order"])
    assert o == rule
    enc = ["--encoding", "moments", "--id-bits", b, "--word-bits", w, "--max-order", o + 1]
    assert _verify(capsys, *enc, "--order", o)["verdict"] == "safe"
    above = _verify(capsys, *enc, "--order", o + 1)
    assert above["verdict"] == "unsafe" and above["counterexample"]


# posted digits, K = 3: B = ceil(b / 3) bits per value, base 2^o + 1 at order o
@pytest.mark.parametrize("b, w", [(24, 64), (16, 32)])
def test_digits_k3_cells_match_verify(table, capsys, b, w):
    o = int(table.loc[(b, w, "digits-k3"), "largest_exact_order"])
    bits = -(-b // 3)
    for order, want in ((o, "safe"), (o + 1, "unsafe")):
        r = _verify(
            capsys,
            *("--encoding", "digits", "--id-bits", b, "--word-bits", w),
            *("--slice-bits", bits, "--base", (1 << order) + 1, "--max-order", order),
            *("--order", order),
        )
        assert r["verdict"] == want, (order, r)


def test_one_value_cell_matches_verify_and_table(table, capsys):
    row = table.loc[(24, 64, "one-value")]
    o, name = int(row["largest_exact_order"]), row["construction"]
    r = _verify(
        capsys,
        *("--encoding", name, "--id-bits", 24, "--word-bits", 64),
        *("--max-order", o, "--order", o),
    )
    assert r["verdict"] == "safe"
    # one order up, no construction of the shipped one-value table reaches 24 bits
    assert main(["one-value", "--word-bits", "64", "--order", str(o + 1), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["proven_id_bits"] < 24


def test_text_fits_mail_and_marks_kernel_widths():
    text = id_space_text(id_space_table(id_bits=range(14, 33)))
    assert max(map(len, text.splitlines())) <= 72
    for mark in ("PID_MAX_LIMIT", "6.15", "v1", "ida_alloc_range", "__mmdrop", "atomic64_t"):
        assert mark in text


def test_cli_json_rows(capsys):
    assert main(["id-space", "--word-bits", "64", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {(r["id_bits"], r["design"]): r for r in doc["rows"]}
    assert rows[(22, "moments")]["largest_exact_order"] == 64 + 2 - 44
    assert {r["word_bits"] for r in doc["rows"]} == {64}
    assert "__mmdrop" in doc["lifetime"]


def test_report_writes_the_id_space_view():
    """The report's "id space" part renders through the one view, the same
    text the CLI prints, and the post lists id_space.txt among attachments."""
    from rmaplab.report import PARTS
    from rmaplab.report_post import ATTACHMENTS
    from rmaplab.views import Params, view

    assert dict(PARTS)["id space"] == ["id_space"]
    assert any("id_space.txt" in name for name, _ in ATTACHMENTS)
    v = view("id_space")
    df = v.build(Params())
    assert set(df["design"]) == {"moments", "digits-k3", "one-value"}
    text = v.render_text(df, Params())
    assert "PID_MAX_LIMIT" in text and max(map(len, text.splitlines())) <= 72
