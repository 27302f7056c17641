"""frontier_tables' random-table hill climb on tiny widths, checked against a
brute-force count of fooling others."""

import naive

from rmaplab.frontier_tables import _random_tables, table_bound


def test_random_tables_hill_climb_matches_brute_force():
    bits, W = 2, 5
    cap = table_bound(W) + 1
    m, tab, scored, timed_out = _random_tables(bits, W, max_tables=40, seed=3)
    assert not timed_out and scored >= 40
    assert tab is not None and len(set(tab)) == 4 and tab[:2] == [0, 1]
    b = naive.min_others_one_word(tab, W, cap)
    assert m == (cap if b is None else b)
    # deterministic for a seed
    assert _random_tables(bits, W, max_tables=40, seed=3)[:2] == (m, tab)


def test_random_tables_never_worse_than_a_seed_table():
    bits, W = 2, 5
    seed_tab = [0, 1, 2, 4]  # scored by brute force below
    cap = table_bound(W) + 1
    b = naive.min_others_one_word(seed_tab, W, cap)
    want = cap if b is None else b
    m, tab, _, _ = _random_tables(bits, W, max_tables=5, seed=0, seeds=[seed_tab])
    assert m >= want
    b2 = naive.min_others_one_word(tab, W, cap)
    assert m == (cap if b2 is None else b2)


def test_exact_frontier_kernel_matches_python_twin_and_brute_force():
    from rmaplab.frontier_tables import exact_frontier

    a = exact_frontier(2, 7)
    b = exact_frontier(2, 7, python=True)
    assert a.complete and b.complete
    assert (a.best, a.table, a.nodes) == (b.best, b.table, b.nodes)
    assert naive.min_others_one_word(list(a.table), 7, table_bound(7) + 1) == a.best
