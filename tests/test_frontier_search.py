"""The all-tables frontier search: kernel, twin and brute force agree.

``naive.one_value_frontier`` tries every table of a tiny analogue by the
definition of N' (no translation, scaling or halving); the branch-and-bound
(:func:`rmaplab.frontier_tables.exact_frontier`, numba kernel and its Python
twin) must find the same maximum, with a table that reaches it.
"""

import naive
import pytest

from rmaplab._kernels.frontier import (
    FrontierInputs,
    frontier_search,
    frontier_search_python,
    new_state,
)
from rmaplab.frontier_tables import (
    EXACT_STATUS,
    exact_frontier,
    frontier_upper_bound,
    load_exact_frontier,
    pair_frontier,
    table_bound,
    table_min_others,
)

TINY = [
    (2, 2),
    (2, 3),
    (2, 4),
    (2, 5),
    (2, 6),
    (3, 3),
    (3, 4),
    pytest.param(3, 5, marks=pytest.mark.slow),  # 10.5 million sets: ~30 s
    (4, 4),
]


@pytest.fixture(scope="module")
def brute():
    cache: dict = {}

    def get(b, w):
        if (b, w) not in cache:
            cache[b, w] = naive.one_value_frontier(b, w)
        return cache[b, w]

    return get


@pytest.mark.parametrize(("b", "w"), TINY)
def test_search_from_nothing_finds_the_brute_force_maximum(brute, b, w):
    top, argmax = brute(b, w)
    r = exact_frontier(b, w)
    assert r.complete and r.status == EXACT_STATUS
    assert r.best == top
    if top > 1:  # the search started from N' = 1: it found a table
        assert r.table in argmax
    assert table_min_others(r.table, w, table_bound(w) + 1) == top
    # the plain-Python twin: the same loop, the same numbers
    p = exact_frontier(b, w, python=True)
    assert (p.best, p.table, p.nodes, p.complete) == (r.best, r.table, r.nodes, r.complete)


@pytest.mark.parametrize(("b", "w"), TINY)
def test_seeded_search_and_upper_bound_agree_with_the_brute_force(brute, b, w):
    top, argmax = brute(b, w)
    if top == 1:
        return
    # seeded with an optimal table: nothing beats it, the seed stands
    r = exact_frontier(b, w, argmax[-1])
    assert (r.complete, r.best, r.table, r.seed_best) == (True, top, argmax[-1], top)
    # seeded with another table (labels in any order): it climbs to the top
    other = list(reversed(range(1 << b)))
    r = exact_frontier(b, w, other)
    assert r.complete and r.best == top and tuple(sorted(r.table)) in argmax
    # from the Minkowski bound down: the first completed run without a find
    # proves the maximum; the run below it finds an optimal table
    g, nodes, table = frontier_upper_bound(b, w, floor=1)
    assert g == top and nodes > 0 and table in argmax


@pytest.mark.parametrize(("b", "w", "budget"), [(2, 6, 40), (3, 5, 30), (4, 6, 200)])
def test_a_stopped_search_says_so_and_the_twin_stops_at_the_same_node(b, w, budget):
    r = exact_frontier(b, w, max_nodes=budget)
    assert not r.complete and r.nodes == budget
    assert r.status == f"lower bound (search stopped at {budget} nodes)"
    assert table_min_others(r.table, w, table_bound(w) + 1) == r.best
    p = exact_frontier(b, w, max_nodes=budget, python=True)
    assert (p.best, p.table, p.nodes, p.complete) == (r.best, r.table, r.nodes, r.complete)


@pytest.mark.parametrize(
    "inp",
    [
        FrontierInputs(2, 6, 1, 10, 10**6, 2, 64),
        FrontierInputs(2, 6, 5, 10, 10**6, 9, 30),  # one chunk of the third value
        FrontierInputs(3, 6, 2, 10, 10**6, 2, 64),
        FrontierInputs(3, 6, 3, 10, 57, 2, 64),  # stops
        FrontierInputs(2, 7, 9, 14, 10**6, 2, 128),  # a bare target above the maximum
        FrontierInputs(4, 6, 2, 10, 0, 2, 64),  # no budget at all
    ],
)
def test_kernel_matches_its_twin_on_raw_inputs(inp):
    assert frontier_search(inp) == frontier_search_python(inp)


@pytest.mark.parametrize(("b", "w", "step"), [(2, 7, 5), (3, 6, 7), (4, 5, 20)])
def test_a_paused_search_resumes_where_it_stopped(b, w, step):
    # stop every `step` nodes and go on: the same nodes, the same answer as
    # one call, and every pause reports the budget it stopped at
    inp = FrontierInputs(b, w, 1, table_bound(w) + 1, 10**6, 2, 1 << w)
    once = frontier_search(inp)
    st, budget = new_state(b, w), 0
    while True:
        budget += step
        r = frontier_search(inp._replace(max_nodes=budget), st)
        if r.status == 0:
            break
        assert r.nodes == budget
    assert r == once and budget > step


@pytest.mark.jit_heavy  # the first slice of nodes alone takes seconds as Python
def test_a_time_budget_stops_the_search_honestly():
    r = exact_frontier(3, 12, seconds=0.0)
    assert not r.complete and r.timed_out
    assert r.status == f"undecided: stopped by the time limit after {r.nodes} nodes"
    assert table_min_others(r.table, 12, table_bound(12) + 1) == r.best


@pytest.mark.parametrize(
    ("field", "value"),
    [("slice_bits", 1), ("slice_bits", 5), ("word_bits", 17), ("word_bits", 1), ("best", 0)],
)
def test_inputs_out_of_range_are_refused_by_name(field, value):
    inp = FrontierInputs(2, 6, 1, 10, 10, 2, 64)._replace(**{field: value})
    with pytest.raises(ValueError, match=field):
        frontier_search(inp)


@pytest.mark.jit_heavy
@pytest.mark.parametrize(
    ("b", "w", "base", "expected"),
    # exhaustive and symmetry-reduced, seconds each, seeded with the digit
    # table of base b (weights 1, b, b^2); B = 2 also by the older, unreduced
    # pair kernel (every {0, 1, a, b}) up to 10-bit words
    [
        (2, 8, 16, 16),
        (2, 10, 32, 32),
        (2, 12, 64, 64),
        (2, 14, 128, 128),
        (2, 16, 256, 256),
        (3, 8, 6, 6),
        (3, 10, 10, 12),
    ],
)
def test_exact_frontier_pins(b, w, base, expected):
    digits = [sum(base**j for j in range(b) if v >> j & 1) for v in range(1 << b)]
    r = exact_frontier(b, w, digits, max_nodes=10**6)
    assert r.complete and r.best == expected
    assert table_min_others(r.table, w, table_bound(w) + 1) == expected
    if b == 2 and w <= 10:
        assert pair_frontier(w)[0] == expected


@pytest.mark.jit_heavy
def test_three_bit_slices_beat_every_linear_weight_choice_exactly():
    # 12 > iroot(2^10, 3) = 10: the best table is exact, and no linear
    # weights reach it (pigeonhole)
    r = exact_frontier(3, 10, [0, 1, 10, 11, 100, 101, 110, 111])
    assert r.complete and r.seed_best == 10 and r.best == 12


def _shipped_exact_cases(max_nodes):
    df = load_exact_frontier()
    return [
        (int(r.slice_bits), int(r.word_bits), int(r.best), [int(v) for v in r.table.split()])
        for r in df.itertuples()
        if r.complete and r.upper_nodes == 0 and r.nodes <= max_nodes
    ]


@pytest.mark.jit_heavy
@pytest.mark.parametrize(("b", "w", "best", "tab"), _shipped_exact_cases(30_000))
def test_shipped_exact_cases_are_reproved(b, w, best, tab):
    # a search seeded with the shipped table that completes without a find
    # is the proof that no table beats it
    r = exact_frontier(b, w, tab, max_nodes=10**6)
    assert r.complete and r.best == best and r.table == tuple(tab)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("b", "w", "best", "tab"),
    [c for c in _shipped_exact_cases(500_000) if c not in _shipped_exact_cases(30_000)],
)
def test_shipped_exact_cases_are_reproved_slow(b, w, best, tab):
    r = exact_frontier(b, w, tab, max_nodes=10**7)
    assert r.complete and r.best == best and r.table == tuple(tab)


def test_shipped_results_are_consistent():
    """Every shipped table reaches its N'; the bounds are ordered."""
    df = load_exact_frontier()
    assert {(b, w) for b in (2, 3, 4) for w in (8, 10, 12, 14, 16)} <= set(
        zip(df["slice_bits"], df["word_bits"], strict=True)
    )
    for r in df.itertuples():
        tab = [int(v) for v in r.table.split()]
        assert len(tab) == 1 << r.slice_bits
        assert table_min_others(tab, r.word_bits, table_bound(r.word_bits) + 1) == r.best
        assert r.seed_best <= r.best <= r.upper_bound <= table_bound(r.word_bits)
        assert r.complete == (r.best == r.upper_bound)
