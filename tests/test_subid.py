import json

import naive
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmaplab import ConfigError, calc_rmap_subid, get_config, id_slices, mm_subids, subid_table
from rmaplab._data import data_text
from rmaplab.config import WIP_V1, WIP_V1_32BIT
from rmaplab.subid import subid_digits, subid_table_array, subids_array

TABLES = json.loads(data_text("kernel_subid_tables.json"))
PUBLISHED = [
    (name, t["base_pages"], t["index_bits"]) for name, t in TABLES.items() if name != "source"
]


@pytest.mark.parametrize("name, base_pages, bits", PUBLISHED)
def test_published_tables_bit_for_bit(name, base_pages, bits):
    want = TABLES[name]["values"]
    assert subid_table(base_pages, bits) == want
    arr = subid_table_array(base_pages, bits)
    assert arr.dtype == np.uint64
    assert [int(v) for v in arr] == want
    assert [naive.subid(base_pages, i) for i in range(2**bits)] == want


def test_published_tables_belong_to_wip_v1_groups():
    cfg = get_config("wip-v1")
    for order, name in ((10, "rmap_subids_4"), (12, "rmap_subids_5"), (15, "rmap_subids_6")):
        g = cfg.group_for(order)
        assert (g.base_pages, g.bits) == (TABLES[name]["base_pages"], TABLES[name]["index_bits"])
        assert int(name[-1]) == g.nr_values


@given(st.integers(1, 2**40), st.integers(0, 2**32 - 1), st.integers(1, 64))
def test_calc_rmap_subid_matches_definition(base_pages, index, word_bits):
    assert calc_rmap_subid(base_pages, index, word_bits) == naive.subid(
        base_pages, index, word_bits
    )


@given(
    st.integers(1, 2**40),
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20),
    st.integers(1, 64),
)
def test_numba_subids_match_definition(base_pages, indices, word_bits):
    from rmaplab._kernels.subid import SubidInputs, subid_words, subid_words_python

    inp = SubidInputs(np.array(indices, dtype=np.uint64), 1, 64, base_pages, word_bits)
    got = subid_words(inp)
    assert got.dtype == np.uint64 and got.shape == (len(indices), 1)
    want = [naive.subid(base_pages, i, word_bits) for i in indices]
    assert [int(v) for v in got[:, 0]] == want
    assert [r[0] for r in subid_words_python(inp)] == want


@given(
    st.lists(st.integers(0, 2**24 - 1), min_size=1, max_size=20),
    st.integers(1, 6),
    st.integers(1, 10),
    st.integers(1, 2**20),
    st.integers(1, 64),
)
def test_numba_mm_subids_match_twin_and_naive(ids, values, bits, base_pages, word_bits):
    from rmaplab._kernels.subid import SubidInputs, subid_words, subid_words_python

    inp = SubidInputs(np.array(ids), values, bits, base_pages, word_bits)
    got = subid_words(inp).tolist()
    assert got == subid_words_python(inp)
    assert got == [naive.subids(values, bits, base_pages, word_bits, i) for i in ids]


def test_wrap_is_modelled_not_avoided():
    # 2^64 + 2^63 = 3 * 2^63 wraps to 2^63 in a 64-bit word
    big = calc_rmap_subid((1 << 62) - 1, 3, 64)
    assert big == ((1 << 62) + 1) % 2**64
    assert calc_rmap_subid(2**32 - 1, 2**3 - 1, 64) == (1 + 2**32 + 2**64) % 2**64 == 1 + 2**32
    assert calc_rmap_subid(2**32 - 1, 2**3 - 1, 32) == 1


@given(st.integers(1, 2**24 - 1))
def test_slices_reassemble_the_id(mm_id):
    for k, b in ((1, 24), (2, 12), (3, 8), (4, 6), (5, 5), (6, 4)):
        sl = id_slices(mm_id, k, b)
        assert all(0 <= x < 2**b for x in sl)
        assert sum(x << (i * b) for i, x in enumerate(sl)) == mm_id


@given(st.sampled_from([WIP_V1, WIP_V1_32BIT]), st.integers(0, 15), st.data())
def test_mm_subids_python_numba_and_naive_agree(name, order, data):
    cfg = get_config(name)
    g = cfg.group_for(order)
    ids = data.draw(st.lists(st.integers(1, cfg.max_id), min_size=1, max_size=10))
    arr = subids_array(cfg, order, ids)
    assert arr.shape == (len(ids), g.nr_values) and arr.dtype == np.uint64
    for row, m in zip(arr, ids, strict=False):
        py = mm_subids(cfg, order, m)
        assert [int(v) for v in row] == py
        assert py == naive.subids(g.nr_values, g.bits, g.base_pages, cfg.word_bits, m)


def test_digits_show_per_bit_counters():
    # base 5 (P_g = 4): mm 5 = 0b101 -> sub-ID 1 + 25, mm 4 = 0b100 -> 25
    s5, s4 = calc_rmap_subid(4, 5), calc_rmap_subid(4, 4)
    assert (s5, s4) == (26, 25)
    # 3 mappings by mm 5 and 1 by mm 4: counters per id bit are 3, 0, 3 + 1
    assert subid_digits(3 * s5 + 1 * s4, 4, 3) == [3, 0, 4]
    # 5 > P_g mappings with bit 2 set: the digit carries into a fourth digit
    assert subid_digits(3 * s5 + 2 * s4, 4, 3) == [3, 0, 0, 1]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: calc_rmap_subid(0, 1), r"base_pages=0 is out of range: allowed \[1, "),
        (lambda: calc_rmap_subid(4, -1), r"index=-1 is out of range"),
        (lambda: calc_rmap_subid(4, 1, 65), r"word_bits=65 is out of range: allowed \[1, 64\]"),
        (lambda: subid_table(4, 25), r"bits=25 is out of range: allowed \[1, 24\]"),
        (lambda: mm_subids(WIP_V1, 9, 0), r"mm id=0 is out of range: allowed \[1, 16777215\]"),
        (
            lambda: subids_array(WIP_V1, 9, [1, 2**24]),
            r"ids holds 16777216: allowed range \[0, 16777215\]",
        ),
        (lambda: subids_array(WIP_V1, 9, [0]), r"ids holds 0: allowed range \[1, 16777215\]"),
        (lambda: subids_array(WIP_V1, 9, [1.5]), r"ids must be integers"),
        (lambda: mm_subids(WIP_V1, 16, 1), r"order=16 is not covered"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
