"""Exact shortest-vector search in the L-infinity norm for rmap-sum lattices.

For one rmap value with ``d`` id bits, digit weights ``w_j = b**j mod 2**W``
(``b = P_g + 1``) and word width ``W``, the integer vectors

    L = { D in Z^d : sum_j D_j * w_j == 0  (mod 2**W) }

form a lattice of determinant ``2**W`` (``w_0 = 1``). ``D_j`` is the
difference, summed over the other mms' mappings, between their bit ``j`` and
the victim's bit ``j`` (see :mod:`rmaplab.verify`). The smallest number of
other mappings that fool the check is the shortest nonzero ``||D||_inf``.

The basis is LLL-reduced with python-flint; the search is a Fincke-Pohst
enumeration over the L2 ball of radius ``sqrt(d) * R``, which contains the
L-infinity box of radius ``R``. Every pruning decision is exact (integral
Gram-Schmidt on Python ints, or float64 with a certified error bound in the
numba kernel, see :mod:`rmaplab._kernels.lattice`), so a completed
enumeration is a proof.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["SearchResult", "iroot", "lattice_basis", "lll", "same_sign_l1", "shortest_linf"]


def iroot(x: int, k: int) -> int:
    """Largest integer ``r`` with ``r**k <= x`` (exact, for ``x >= 0``)."""
    if x < 0 or k < 1:
        raise ValueError("iroot needs x >= 0 and k >= 1")
    if x < 2:
        return x
    r = 1 << ((x.bit_length() + k - 1) // k)  # r**k >= x
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            break
        r = s
    while r**k > x:
        r -= 1
    while (r + 1) ** k <= x:
        r += 1
    return r


def lattice_basis(weights: list[int], word_bits: int) -> list[list[int]]:
    """Rows spanning ``{D : sum D_j w_j == 0 mod 2**W}``; needs ``w_0 == 1``."""
    if weights[0] != 1:
        raise ValueError("weights[0] must be 1")
    d = len(weights)
    mod = 1 << word_bits
    rows = [[mod] + [0] * (d - 1)]
    for j in range(1, d):
        row = [0] * d
        row[0] = -weights[j] % mod
        row[j] = 1
        rows.append(row)
    return rows


def lll(rows: list[list[int]]) -> list[list[int]]:
    import flint

    m = flint.fmpz_mat(rows).lll()
    return [[int(m[i, j]) for j in range(m.ncols())] for i in range(m.nrows())]


def _linf(v) -> int:
    return max(abs(x) for x in v)


def same_sign_l1(v: Sequence[int]) -> int | None:
    """``sum |v_j|`` when no two entries of ``v`` have opposite signs, else
    None: the cost of nonnegative combinations (``v`` and ``-v`` alike).
    :func:`shortest_linf` recognises this function and filters its leaves in
    the kernel."""
    if all(a >= 0 for a in v) or all(a <= 0 for a in v):
        return sum(abs(a) for a in v)
    return None


@dataclass
class SearchResult:
    """Outcome of :func:`shortest_linf`.

    ``norm`` is the smallest L-infinity norm found among accepted vectors
    (``None`` if none at or below the bound), ``vectors`` all accepted
    vectors of that norm (one of each ``+-`` pair, at most ``keep``),
    ``complete`` whether the enumeration finished (then ``norm`` is the
    exact minimum over accepted vectors at or below ``bound``).
    """

    bound: int
    norm: int | None
    vectors: list[tuple[int, ...]] = field(default_factory=list)
    complete: bool = True
    nodes: int = 0
    #: set by the verifier: False when a heuristic cost may hide a smaller minimum
    exact: bool = True


#: Nodes between two calls of ``on_nodes`` (progress reports).
PROGRESS_NODES = 10_000


def shortest_linf(
    rows: Sequence[Sequence[int]],
    bound: int,
    cost: Callable[[tuple[int, ...]], int | None] | None = None,
    node_limit: int = 2_000_000,
    keep: int = 256,
    on_nodes: Callable[[int], object] | None = None,
) -> SearchResult:
    """All lattice vectors of least ``cost`` among those with ``cost <= bound``.

    ``rows`` is a (preferably LLL-reduced) basis. ``cost(v)`` defaults to
    ``||v||_inf``; a custom cost must be ``>= ||v||_inf`` (so the L-infinity
    pruning stays exact) or ``None`` for a vector that does not count. The
    bound shrinks to the best cost as the search proceeds; ``norm`` in the
    result is that least cost. ``on_nodes(n)``, if given, is called after
    every :data:`PROGRESS_NODES` nodes with ``n`` (for a progress bar).

    The enumeration runs in the numba kernel of :mod:`rmaplab._kernels.lattice`
    where its dtype policy allows, and on exact Python ints elsewhere; both
    visit the same nodes in the same order (see that module).
    """
    return _shortest_linf(rows, bound, cost, node_limit, keep, on_nodes, engine="auto")


def _shortest_linf(
    rows: Sequence[Sequence[int]],
    bound: int,
    cost: Callable[[tuple[int, ...]], int | None] | None,
    node_limit: int,
    keep: int,
    on_nodes: Callable[[int], object] | None,
    engine: str = "auto",
) -> SearchResult:
    """:func:`shortest_linf` with the engine chosen: ``"auto"`` (the kernel
    when the dtype policy allows), ``"numba"`` (the kernel, the twin only to
    finish what floats cannot certify) or ``"python"`` (the twin alone)."""
    from ._kernels import lattice as K

    if engine not in ("auto", "numba", "python"):
        raise ValueError(f"engine={engine!r} is unknown: allowed auto, numba, python")
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
        raise ValueError(f"bound={bound!r} is out of range: allowed an int >= 0")
    if len(rows) == 0 or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("rows must be a non-empty list of equally long vectors")
    gs = K.exact_gs(rows)
    d, n = len(gs.rows), len(gs.rows[0])
    period = PROGRESS_NODES if on_nodes is not None else 0
    inp = None
    if engine != "python" and d * bound * bound <= K.MAX_R2:
        inp = K.kernel_inputs(gs)
    if engine == "numba" and inp is None:
        raise ValueError("this basis or bound is beyond the kernel's dtype policy")

    res = SearchResult(bound=bound, norm=None)
    found: dict[tuple[int, ...], int] = {}
    accepted = False
    best = bound

    def leaf(key: tuple[int, ...]) -> None:
        # key is nonzero, its first nonzero entry positive, ||key||_inf <= best
        nonlocal best, accepted
        if key in found:
            return
        c = _linf(key) if cost is None else cost(key)
        if c is None or c > best:
            return
        if c < best:
            best = c
            for k in [k for k, nn in found.items() if nn > c]:
                del found[k]
        accepted = True
        if len(found) < keep:
            found[key] = c

    kst = None
    pst = None
    if inp is not None:
        kst = K.new_state(d, n, bound, node_limit, period, K.xmax(gs))
        cache = K.ExactCache(d)
        kst.scal[K.ST_COST] = K.COST_SAME_SIGN_L1 if cost is same_sign_l1 else K.COST_CALLBACK
    else:
        pst = K.PyState(d, n, bound, node_limit, period)
    while True:
        if kst is not None:
            assert inp is not None
            code = K.lattice_step(inp, kst)
            nleaf = int(kst.scal[K.ST_NLEAF])
            kst.scal[K.ST_NLEAF] = 0
            rewound = False
            # the kernel went on past its leaves with the old best: cost them in
            # order, and where one lowers best, go back to just after it
            for k, v in enumerate(kst.leaves[:nleaf].tolist()):
                before = best
                leaf(tuple(v))
                if best < before:
                    K.rewind(kst, k, inp.rows)
                    kst.scal[K.ST_BEST] = best
                    rewound = True
                    break
            if rewound or code == K.LAT_LEAF:
                continue
            if code == K.LAT_UNCERTAIN:
                if K.resolve(gs, kst, cache):
                    continue
                pst = K.python_state(gs, kst)
                kst = None
                continue
        else:
            assert pst is not None
            code = K.lattice_step_python(gs, pst)
            if code == K.LAT_LEAF:
                v = pst.v
                first = next(a for a in v if a)
                leaf(tuple(v) if first > 0 else tuple([-a for a in v]))
                pst.scal[K.ST_BEST] = best
                continue
        if code == K.LAT_PROGRESS:
            assert on_nodes is not None
            on_nodes(PROGRESS_NODES)
        else:
            res.complete = code == K.LAT_DONE
            break
    st = kst if kst is not None else pst
    res.nodes = int(st.scal[K.ST_NODES])  # type: ignore[union-attr]
    if accepted:
        res.norm = best
        res.vectors = sorted(k for k, c in found.items() if c == best)
    return res
