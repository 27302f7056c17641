"""The frontier claim and its scope, checked on small exhaustive analogues.

The pigeonhole bound (``rmaplab.verify.frontier_pages``) covers sub-IDs
linear in the slice's bits, ``subid = sum_j bit_j * w_j mod 2^W``. A weight
table ``w[s]`` indexed by the whole slice value is a different family: the
mappings of the other mms contribute ``c_s * (w[s] - w[x])`` with counts
``c_s >= 0`` only, so the pigeonhole's signed difference vectors need not be
realisable. Here both families are searched exhaustively where that is
small, and a table that beats the linear bound is checked by a complete
breadth-first search.
"""

import itertools

import numpy as np
import pytest

from rmaplab.config import WIP_V1
from rmaplab.lattice import iroot
from rmaplab.proof import LINEAR_SCOPE, proof_text, quadratic_table
from rmaplab.verify import frontier_pages


def shortest_zero_sum(values, word_bits, limit):
    """Fewest elements (>= 1, repetition allowed) of ``values`` summing to 0
    mod ``2**word_bits`` (complete BFS over all residues); None past ``limit``."""
    mod = 1 << word_bits
    v = np.array(sorted({x % mod for x in values}), dtype=np.int64)
    if (v == 0).any():
        return 1
    seen = np.zeros(mod, dtype=bool)
    seen[0] = True
    front = np.array([0], dtype=np.int64)
    for depth in range(1, limit + 1):
        nxt = (front[:, None] + v[None, :]).ravel() % mod
        if (nxt == 0).any():
            return depth
        nxt = np.unique(nxt)
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        front = nxt
        if front.size == 0:
            return None
    return None


def table_safe_pages(table, word_bits, limit=10_000):
    """Largest P at which the one-value check with sub-ID table ``table`` is
    exact: a victim slice x (mapping >= 1 page) is fooled by other mappings
    with slices s != x iff some nonempty multiset of ``w[s] - w[x]`` sums to 0;
    with L the fewest such, fooling needs 1 + L mappings, so P <= L is safe."""
    if len(set(t % (1 << word_bits) for t in table)) < len(table):
        return 1  # two slices share a sub-ID: 2 mappings fool the check
    out = []
    for x in table:
        n = shortest_zero_sum([w - x for w in table if w != x], word_bits, limit)
        out.append(limit if n is None else n)
    return min(out)


def linear_safe_pages(weights, word_bits):
    """Largest P at which linear weights are exact: the shortest nonzero
    ||D||_inf with sum_j D_j w_j == 0 mod 2^W (every sign pattern is
    realisable: the victim's bit j is 1 where D_j < 0), by brute force."""
    mod = 1 << word_bits
    for r in range(1, mod + 1):
        for d in itertools.product(range(-r, r + 1), repeat=len(weights)):
            if (
                max(map(abs, d)) == r
                and sum(a * w for a, w in zip(d, weights, strict=True)) % mod == 0
            ):
                return r
    raise AssertionError("unreachable: D = (2^W, 0, ...) is in the lattice")


SMALL = [(1, 4), (2, 3), (2, 4), (2, 5), (3, 4)]


@pytest.mark.parametrize(("bits", "word_bits"), SMALL)
def test_pigeonhole_is_exact_for_every_linear_weight_choice(bits, word_bits):
    """Over *all* linear weights: none is safe at frontier_pages, the best is
    safe one page below (so the bound is tight on these analogues)."""
    fp = frontier_pages(bits, word_bits)
    assert fp == 1 + iroot(1 << word_bits, bits)
    best = max(
        linear_safe_pages(w, word_bits)
        for w in itertools.product(range(1 << word_bits), repeat=bits)
    )
    assert best == fp - 1


@pytest.mark.parametrize(("bits", "word_bits"), SMALL)
def test_every_table_on_small_analogues(bits, word_bits):
    """Over *all* tables (sets of 2^B residues; safety depends only on the set
    up to translation, so w[0] = 0): on these tiny analogues no table beats
    the linear bound either. The small cases do not separate the families."""
    mod = 1 << word_bits
    best = max(
        table_safe_pages((0, *rest), word_bits)
        for rest in itertools.combinations(range(1, mod), (1 << bits) - 1)
    )
    assert best == frontier_pages(bits, word_bits) - 1


def test_a_table_beats_the_linear_bound():
    """3-bit slices, 18-bit words: no linear weights are safe from 65 pages
    on, but the table of the 8 vertices of an octagon packed as a + b * 2^9
    is exact up to 171 pages (complete BFS). Certificate: |sum c (a - a_x)|
    and |sum c (b - b_x)| <= 3 * 170 < 2^9 cannot wrap, and a vertex is no
    nonnegative combination of the other vertices."""
    assert frontier_pages(3, 18) == 65
    octagon = [(1, 0), (2, 0), (3, 1), (3, 2), (2, 3), (1, 3), (0, 2), (0, 1)]
    assert 3 * 170 < 2**9 <= 3 * 171
    assert table_safe_pages([a + (b << 9) for a, b in octagon], 18, limit=400) == 171


@pytest.mark.parametrize(("bits", "word_bits"), [(2, 12), (2, 14), (3, 16)])
def test_quadratic_table_certificate_is_sound(bits, word_bits):
    pages, k = quadratic_table(bits, word_bits)
    table = [s + s * s * (1 << k) for s in range(1 << bits)]
    assert table_safe_pages(table, word_bits) >= pages


@pytest.mark.parametrize(("bits", "word_bits"), [(8, 64), (12, 64), (4, 32), (3, 18)])
def test_quadratic_table_at_its_exact_boundary(bits, word_bits):
    """The certificate's two no-wrap inequalities hold at the returned P and,
    for every shift k, fail at P + 1."""
    pages, k = quadratic_table(bits, word_bits)
    s = (1 << bits) - 1

    def holds(p, kk):
        return (p - 1) * s < 2**kk and (p - 1) * s * s < 2 ** (word_bits - kk)

    assert holds(pages, k)
    assert not any(holds(pages + 1, kk) for kk in range(1, word_bits))


def test_the_series_widths():
    # 8-bit slices in 64-bit words: linear weights fail from 257 pages on,
    # the table w[s] = s + s^2 * 2^28 is exact up to 1052689 pages (> 2^20)
    assert frontier_pages(8, 64) == 257
    assert quadratic_table(8, 64) == (1052689, 28)
    # 12-bit slices: 2 values of 24-bit ids stay exact at orders 9..14
    assert quadratic_table(12, 64)[0] >= 2**14
    # weights 256^j (linear, base 256 = P_g + 1 with P_g = 255): 3 values of
    # 8 bits are carry-free at 256 pages; base P + 1 = 257 is not
    assert 256 - 1 < 256 and (256 - 1) * sum(256**j for j in range(8)) < 2**64
    assert (256 - 1) * sum(257**j for j in range(8)) >= 2**64


def test_printed_claims_state_their_family():
    text = " ".join(proof_text(WIP_V1, 9).split())
    assert f"Frontier, for {LINEAR_SCOPE} with any weights w_j" in text
    assert "none is safe from P = 257 pages on" in text
    assert "Not covered: a table w[s] indexed by the whole slice value." in text
    assert "w[s] = s + s^2 * 2^28 is safe up to 1052689 pages" in text
    assert "So K = 3 values of 8 bits with it are safe at P = 512." in text
    assert "no choice of sub-ID weights" not in text


def test_written_proof_uses_c_x_and_prints_d_with_step_1_sign():
    from rmaplab.verify import verify

    v = verify(WIP_V1, 9)
    ce = v.counterexample
    x = ce["victim"] & 0xFF  # value 0 holds id bits 0..7
    d = [
        sum(c * (((m >> j) & 1) - ((x >> j) & 1)) for m, c in ce["mappings"] if m >> 8 == x >> 8)
        for j in range(8)
    ]
    assert all(m >> 8 == ce["victim"] >> 8 for m, _ in ce["mappings"])  # only value 0 differs
    assert sum(dj * 513**j for j, dj in enumerate(d)) % 2**64 == 0 and any(d)
    # step 1's sign: where the victim's bit is 1 the others can only subtract
    assert all((dj <= 0) if (x >> j) & 1 else (dj >= 0) for j, dj in enumerate(d))
    text = " ".join(proof_text(WIP_V1, 9).split())
    assert f"D = {d} in value 0 (step 1's sign: the others' bits minus X's)" in text
    assert "if the checking mm X maps at least one page (c_X >= 1)" in text
    assert "|D_kj| <= n - c_X <= P - 1 = 511, as c_X >= 1." in text


def test_readme_and_notebook_01_scope_the_frontier():
    import json

    from paths import ROOT

    # the README's summary links FINDINGS.md, which keeps the scoped wording
    readme = " ".join(
        " ".join((ROOT / f).read_text().split()) for f in ("README.md", "FINDINGS.md")
    )
    assert "no choice of sub-ID weights at all is safe" not in readme
    assert (
        "no sub-ID *linear in the slice's bits* (`subid = sum_j bit_j * w_j mod 2^64`, any "
        "weights `w_j`) is safe from 257 pages on (pigeonhole)"
    ) in readme
    assert "The bound does not cover a table `w[s]` indexed by the whole slice value" in readme
    nb = json.loads((ROOT / "notebooks" / "01-proof-intuition.ipynb").read_text())
    md = " ".join(
        " ".join("".join(c["source"]).split()) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    assert "no re-weighting could rescue it" not in md
    assert "so no *linear* re-weighting of the 8-bit slices could rescue it" in md
    assert "The bound says nothing about a **table** $w[s]$ indexed by the whole slice value" in md


def test_cli_verify_and_the_proof_explorer_scope_the_frontier(capsys):
    from rmaplab.cli import main
    from rmaplab.widgets import explore

    assert main(["verify", "--config", "wip-v1", "--order", "9"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no sub-ID weights are safe" not in out and "no weights safe" not in out
    assert "sub-ID weights with B" not in out
    assert (
        "frontier: no sub-ID linear in the slice's B = 8 bits is safe from 257 pages on "
        "(tables w[s] not covered)"
    ) in out
    text, _ = explore(9, 8, 64, 24)
    assert (
        "frontier: no linear sub-ID weights safe from 257 pages on (tables w[s] not covered)"
        in (text)
    )


def test_cost_explorer_names_the_family_of_its_fewest_values():
    from rmaplab.widgets import cost_for

    text, row = cost_for(24, 64, 9)
    assert "fewest values proven safe among base P_g + 1 digits (P_g = 2^order): K = 4" in text
    assert row["values"] == 4
