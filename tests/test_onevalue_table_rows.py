"""The shipped one-value table (rmaplab/data/one_value_table.csv) against a
recomputation of some of its cheap rows, and one_value with mapcount-word bits
against the packing certificate it reports, run at the edges."""

import pytest

from rmaplab.onevalue import mapcount_bits, summary


@pytest.mark.parametrize("cell", [(32, 14, 0), (32, 16, 0), (64, 16, 0)])
def test_shipped_rows_are_what_the_code_computes_now(cell):
    row = summary.table_row(*cell)
    shipped = summary.lookup(*cell)
    assert shipped is not None
    for k in summary.JSON_FIELDS:
        assert row[k] == shipped[k], (cell, k)
    assert row["conjecture_id_bits"] == shipped["conjecture_id_bits"]
    import json

    assert json.loads(row["per_construction"]) == shipped["per_construction"]


def test_proven_table_equals_the_shipped_frame():
    orders = range(14, 17)
    computed = summary.proven_table(32, orders)
    shipped = summary.proven_frame(32, orders)
    key = ["construction", "order"]
    a = computed.sort_values(key).reset_index(drop=True)
    b = shipped.sort_values(key).reset_index(drop=True)
    assert a[[*key, "proven_id_bits"]].equals(b[[*key, "proven_id_bits"]])


def test_one_value_with_mapcount_bits_is_the_widest_certified():
    w, o, m = 16, 6, 2
    r = summary.one_value(w, o, m)
    b = r["proven_id_bits"]
    assert b >= 2 and r["upper_bound_id_bits"] == w + m and r["conjecture_id_bits"] is None
    # certified at b bits, and not at b + 1 (the scan stops at the first failure)
    d = mapcount_bits.design_with_mapcount_bits(b, w, o, m)
    assert d is not None and d["construction"] == r["best_construction"]
    assert mapcount_bits.design_with_mapcount_bits(b + 1, w, o, m) is None
    assert r["per_construction"] == {r["best_construction"]: b}


@pytest.mark.parametrize(("w", "o", "names"), [(7, 9, "word_bits"), (64, 21, "order")])
def test_one_value_refuses_out_of_range(w, o, names):
    with pytest.raises(ValueError, match=names):
        summary.one_value(w, o)
