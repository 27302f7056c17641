"""The verifier's lattice path for one-word slices (``slice_search._lattice_slice``),
reached with the breadth-first search turned off, against a brute force written
here from the definition: for a victim value x, the fewest other mappings
(counts c_v >= 0 over the other ids v, ids 1 .. 2^b - 1) with sum c_v * (t[v] - t[x]) == 0
mod 2^W and 1 <= sum c_v <= P - 1. Small tables, so it runs as Python too."""

from itertools import product

import pytest

from rmaplab.certify import verify_encoding
from rmaplab.encodings import table


def _fewest_others(tab, word_bits, order):
    """Brute force over every count vector: None when no population of at most
    P - 1 others balances any victim."""
    mod, most = 1 << word_bits, (1 << order) - 1
    ids = range(1, len(tab))  # one slice: the mm ids are 1 .. 2^b - 1 (0 is no mm)
    best = None
    for x in ids:
        others = [v for v in ids if v != x]
        for c in product(range(most + 1), repeat=len(others)):
            n = sum(c)
            if not 1 <= n <= most or (best is not None and n >= best):
                continue
            if sum(ci * (tab[v] - tab[x]) for ci, v in zip(c, others, strict=True)) % mod == 0:
                best = n
    return best


def _replays(v, tab, word_bits):
    """The counterexample's own counts fool the check: every mm's id is its
    slice value here (one slice), the victim maps, and the word's sum over all
    mappings equals n times the victim's addend."""
    ce = v.counterexample
    x = ce["victim"]
    maps = dict((int(m), int(c)) for m, c in ce["mappings"])
    n = sum(maps.values())
    total = sum(c * tab[m] for m, c in maps.items()) % (1 << word_bits)
    return maps.get(x, 0) >= 1 and len(maps) >= 2 and total == n * tab[x] % (1 << word_bits)


# (word bits, table, order): safe and unsafe cases the lattice decides quickly
CASES = [
    (8, [71, 227, 64, 67], 4),  # fooled by 8 others
    (8, [107, 110, 84, 85], 4),  # fooled by 10 others
    (10, [779, 208, 510, 26], 4),  # safe: nothing balances with <= 15 others
    (12, [3343, 2289, 1491, 3190], 3),  # safe
    (10, [407, 419, 372, 403], 3),  # safe
    (8, [0, 10, 30, 20], 3),  # 10 + 30 == 2 * 20: two others, a small combination
    (12, [3343, 2289, 1491, 3190], 2),  # safe: every combination of <= 3 others tried
]


@pytest.mark.parametrize(("word_bits", "tab", "order"), CASES)
def test_lattice_path_matches_the_brute_force(word_bits, tab, order):
    enc = table(2, word_bits, tab)
    want = _fewest_others(tab, word_bits, order)
    v = verify_encoding(enc, order, allow_bfs=False)
    assert v.method == "lattice", v.evidence
    if want is None:
        assert v.verdict == "safe" and v.proven_minimal, v.evidence
    else:
        assert (v.verdict, v.proven_minimal) == ("unsafe", True), v.evidence
        assert v.min_mappings == want + 1  # the others plus the victim's own mapping
        assert _replays(v, tab, word_bits)
    # the breadth-first search, a different algorithm, agrees
    b = verify_encoding(enc, order)
    assert (b.verdict, b.min_mappings) == (v.verdict, v.min_mappings)


def test_three_bit_slices_and_a_duplicate_entry():
    # 3-bit table: 4 others balance a victim (the lattice, past the small combinations)
    tab = [407, 419, 372, 403, 784, 611, 44, 739]
    v = verify_encoding(table(3, 10, tab), 3, allow_bfs=False)
    want = _fewest_others(tab, 10, 3)
    assert (v.verdict, v.min_mappings, v.proven_minimal) == ("unsafe", want + 1, True)
    assert _replays(v, tab, 10)
    # two equal entries: one other mapping of the twin value fools the check
    dup = [5, 9, 9, 200]
    v = verify_encoding(table(2, 8, dup), 2, allow_bfs=False)
    assert (v.verdict, v.min_mappings) == ("unsafe", 2)
    assert _replays(v, dup, 8)


def test_a_lattice_budget_hit_is_never_a_proof():
    """With a node budget of 1 the enumeration cannot finish: a safe table is
    then undecided (never "safe"), and an unsafe one found beyond the small
    combinations is unsafe but not proven minimal."""
    safe = verify_encoding(table(2, 10, [779, 208, 510, 26]), 4, node_limit=1, allow_bfs=False)
    assert safe.verdict == "undecided" and "stopped" in safe.evidence, safe.evidence
    v = verify_encoding(table(2, 8, [71, 227, 64, 67]), 4, node_limit=1, allow_bfs=False)
    assert v.verdict in ("unsafe", "undecided"), v.evidence
    if v.verdict == "unsafe":  # found, e.g. by the one-other check, but not proven fewest
        want = _fewest_others([71, 227, 64, 67], 8, 4)
        assert not v.proven_minimal and v.min_mappings >= want + 1
        assert _replays(v, [71, 227, 64, 67], 8)
