"""The lattice path of the slice verifier (``allow_bfs=False``) on tiny tables:
its verdicts and fewest-others counts agree with the breadth-first path, and with
hand-computed values on three-value tables (``min_mappings`` counts the victim)."""

import random

import pytest

from rmaplab.certify import verify_encoding
from rmaplab.encodings import table


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("order", [1, 2, 3])
def test_lattice_path_agrees_with_bfs(seed, order):
    r = random.Random(seed)
    enc = table(4, 8, [r.randrange(256) for _ in range(16)])
    a = verify_encoding(enc, order, allow_bfs=False)
    b = verify_encoding(enc, order)
    assert a.method == "lattice" and b.method == "bfs"
    assert a.verdict == b.verdict
    assert a.min_mappings == b.min_mappings


@pytest.mark.parametrize(
    "tab,order,want",
    [
        ([0, 5, 5, 9], 1, 2),  # ids 1 and 2 add the same: the victim and one other
        ([0, 1, 2, 3], 1, None),  # one other mapping fools only an equal addend
        ([0, 0, 64, 192], 1, None),  # no two addends are equal
        ([0, 0, 64, 192], 2, 3),  # 0 + 64 + 192 = 256: victim id 1 with ids 2 and 3
    ],
)
def test_small_table_hand_values(tab, order, want):
    enc = table(2, 8, tab)
    v = verify_encoding(enc, order, allow_bfs=False)
    assert v.method == "lattice"
    if want is None:
        assert v.verdict == "safe"
    else:
        assert v.verdict == "unsafe" and v.min_mappings == want


@pytest.mark.parametrize("tab", [[0, 32, 96, 160], [0, 16, 48, 200], [0, 40, 72, 136]])
def test_lattice_beyond_small_combos_agrees_with_bfs(tab):
    enc = table(2, 8, tab)
    a = verify_encoding(enc, 3, allow_bfs=False)
    b = verify_encoding(enc, 3)
    assert (a.verdict, a.min_mappings) == (b.verdict, b.min_mappings)
