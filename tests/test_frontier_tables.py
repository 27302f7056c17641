"""One-value frontier on tiny analogues: kernel vs twin, the bounds hold."""

import pytest

from rmaplab.encoding import table
from rmaplab.frontier_tables import (
    linear_bound,
    pair_frontier,
    pair_frontier_python,
    table_bound,
    table_min_others,
)
from rmaplab.verify_encoding import verify_encoding


@pytest.mark.parametrize("w", [4, 5, 6])
def test_pair_frontier_kernel_matches_twin_and_bounds(w):
    k = pair_frontier(w)
    assert k == pair_frontier_python(w)
    # exhaustive: 4-value tables do exactly as well as linear weights here
    assert k[0] == linear_bound(2, w) <= table_bound(w)


@pytest.mark.parametrize("w", [6, 8])
def test_hexagon_bound_holds_for_every_three_value_table(w):
    # every {0, 1, a}: the fewest fooling others never exceeds the bound
    worst = max(
        table_min_others([0, 1, a], w, table_bound(w) + 5) or 10**9 for a in range(2, 1 << w)
    )
    assert worst <= table_bound(w)


def test_a_table_beats_every_linear_weight_choice_at_3_bits_16_bit_words():
    # v + 2^e v^2: 43 others needed; linear weights: at most iroot(2^16, 3) = 40
    best = 0
    for e in range(16):
        tab = [(v + (v * v << e)) & 0xFFFF for v in range(8)]
        if len(set(tab)) == 8:
            m = table_min_others(tab, 16, 60)
            best = max(best, 60 if m is None else m)
    assert best == 43 > linear_bound(3, 16) == 40
    # the verifier agrees (6-bit ids: two 3-bit slices, every slice value)
    e = next(
        e
        for e in range(16)
        if table_min_others([(v + (v * v << e)) & 0xFFFF for v in range(8)], 16, 60) == 43
    )
    enc = table(6, 16, [(v + (v * v << e)) & 0xFFFF for v in range(8)], bits=3)
    assert verify_encoding(enc, 5).verdict == "safe"  # 32 pages
    v = verify_encoding(enc, 6)  # 64 pages
    assert v.verdict == "unsafe" and v.min_mappings == 44 and v.proven_minimal
