"""Exact side of the lattice kernel family (:mod:`.lattice`): the step
codes and state slots both sides share, the integral Gram-Schmidt, and the
twin :func:`lattice_step_python`, the kernel's state machine on Python ints,
with what takes over from the kernel (:func:`resolve`, :func:`python_state`).

Exact twin (Python ints). With the Gram determinants ``dd[0] = 1``,
``dd[k] = det Gram(b_0..b_{k-1})`` and ``lam[j][k] = dd[k+1] * mu_jk``
(integral Gram-Schmidt, all integers), a level keeps its center as the
numerator ``C = -sum_j lam[j][i] x_j`` over ``dd[i+1]`` and its partial sum
as ``N_i = dd[i] * S_i``, an integer (``dd[i] * ||pi_i(w)||**2`` is a Gram
determinant for integer ``w``), updated by ``N_i = (dd[i] N_{i+1} + z**2)
// dd[i+1]`` with ``z = dd[i+1] x_i - C``. Every comparison is then one of
integers: nothing is rounded, so the twin decides as the rationals do.
One node step (a level's center, its nearest integer, a partial sum) is
:func:`_center`, :func:`_nearest` and :func:`_part`, which the twin's loop and
the resume path (:func:`resolve`, :func:`python_state`, :class:`ExactCache`)
share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .lattice import LatticeState

__all__ = [
    "LAT_DONE",
    "LAT_LEAF",
    "LAT_PROGRESS",
    "LAT_STOPPED",
    "LAT_UNCERTAIN",
    "MODE_ENTER",
    "MODE_NODE",
    "MODE_RETURN",
    "MODE_TRY",
    "N_SCAL",
    "ST_BEST",
    "ST_COST",
    "ST_FORCE",
    "ST_FORCED",
    "ST_LEVEL",
    "ST_LIMIT",
    "ST_MODE",
    "ST_NLEAF",
    "ST_NODES",
    "ST_PERIOD",
    "ST_XMAX",
    "ExactCache",
    "ExactGS",
    "PyState",
    "exact_gs",
    "lattice_step_python",
    "python_state",
    "resolve",
    "start_scal",
]

# -- what a step stopped at ---------------------------------------------------
LAT_DONE = 0  # the enumeration is complete
LAT_LEAF = 1  # a leaf with 0 < ||v||_inf <= best: cost it, then step on (twin: st.v;
# kernel: the buffer st.leaves is full)
LAT_PROGRESS = 2  # nodes reached a multiple of the progress period
LAT_STOPPED = 3  # nodes exceeded the budget
LAT_UNCERTAIN = 4  # (kernel) a decision floats cannot certify: hand over to the twin

# -- where a step resumes (scal[ST_MODE]) -------------------------------------
MODE_ENTER = 0  # count a node at level i (i = -1: the leaf)
MODE_NODE = 1  # the node is counted: leaf, or the level's center
MODE_TRY = 2  # try the level's next coefficient nxt[i]
MODE_RETURN = 3  # level i is exhausted: back to i + 1

# -- slots of scal --------------------------------------------------------------
ST_LEVEL = 0  # i, -1 for the leaf
ST_MODE = 1
ST_NODES = 2
ST_BEST = 3  # the L-infinity bound: the caller lowers it between steps
ST_LIMIT = 4  # node budget
ST_PERIOD = 5  # progress period, 0: none
ST_XMAX = 6  # largest |x_k| the kernel's int64 leaf stays exact with
ST_FORCE = 7  # 1: the next decision is forced to ST_FORCED (the twin's exact answer)
ST_FORCED = 8  # MODE_NODE: the level's x0; MODE_TRY: 1 over the radius, 0 within
ST_NLEAF = 9  # leaves buffered in st.leaves (kernel)
ST_COST = 10  # COST_*: which leaves the kernel buffers
N_SCAL = 11


class ExactGS(NamedTuple):
    """Integral Gram-Schmidt data of a basis (Python ints)."""

    rows: list[list[int]]
    dd: list[int]  # dd[k] = det Gram(b_0..b_{k-1}), dd[0] = 1
    lam: list[list[int]]  # lam[j][k] = dd[k+1] * mu_jk for j > k


def exact_gs(rows) -> ExactGS:
    """Integral Gram-Schmidt (Cohen, Algorithm 2.6.7): every division is exact."""
    rows = [[int(a) for a in r] for r in rows]
    d = len(rows)
    gram = [
        [sum(a * b for a, b in zip(rows[i], rows[j], strict=True)) for j in range(d)]
        for i in range(d)
    ]
    dd = [1] + [0] * d
    lam = [[0] * d for _ in range(d)]
    for i in range(d):
        for j in range(i + 1):
            u = gram[i][j]
            for k in range(j):
                u = (dd[k + 1] * u - lam[i][k] * lam[j][k]) // dd[k]
            if j < i:
                lam[i][j] = u
            else:
                if u <= 0:
                    raise ValueError("rows must be linearly independent")
                dd[i + 1] = u
    return ExactGS(rows, dd, lam)


# -- the twin: the same state machine on exact Python ints -------------------


def _center(gs: ExactGS, x: list[int], i: int) -> int:
    """Level ``i``'s exact center: its numerator ``C`` over ``dd[i+1]``."""
    return -sum(gs.lam[j][i] * x[j] for j in range(i + 1, len(x)))


def _nearest(c: int, den: int) -> int:
    """The integer nearest ``c / den``, ties down (as ``c - floor(c) > 1/2``)."""
    q = c // den
    return q + 1 if 2 * (c - q * den) > den else q


def _part(gs: ExactGS, i: int, xi: int, c: int, above: int) -> int:
    """``N_i`` of coefficient ``xi`` at level ``i`` (center ``c``, ``N_{i+1} = above``)."""
    z = xi * gs.dd[i + 1] - c
    return (gs.dd[i] * above + z * z) // gs.dd[i + 1]


class PyState:
    """:class:`LatticeState` on Python ints: centers as numerators ``cnum``
    over ``dd[i+1]``, partial sums as ``N_i = dd[i] * S_i``."""

    def __init__(self, d: int, n: int, best: int, node_limit: int, period: int):
        self.x = [0] * d
        self.x0 = [0] * d
        self.nxt = [0] * d
        self.dirn = [0] * d
        self.cnum = [0] * d
        self.npart = [0] * (d + 1)
        self.scal = start_scal(d, best, node_limit, period)
        self.v = [0] * n


def start_scal(d: int, best: int, node_limit: int, period: int, xcap: int = 0) -> list[int]:
    """The scalar slots of a new search, for both sides (the kernel's
    :func:`~.lattice.new_state` and :class:`PyState`): the top level,
    :data:`MODE_ENTER`, no node yet, the bound, the budget, the progress
    period and (kernel only) the largest exact ``|x_k|``."""
    scal = [0] * N_SCAL
    scal[ST_LEVEL] = d - 1
    scal[ST_MODE] = MODE_ENTER
    scal[ST_BEST] = best
    scal[ST_LIMIT] = node_limit
    scal[ST_PERIOD] = period
    scal[ST_XMAX] = xcap
    return scal


def python_state(gs: ExactGS, st: LatticeState) -> PyState:
    """The twin's state for where the kernel's ``st`` stands: the exact
    centers and partial sums of every level above it, recomputed from ``x``."""
    d, n = len(gs.rows), len(gs.rows[0])
    ps = PyState(d, n, 0, 0, 0)
    ps.x = [int(a) for a in st.x]
    ps.x0 = [int(a) for a in st.x0]
    ps.nxt = [int(a) for a in st.nxt]
    ps.dirn = [int(a) for a in st.dirn]
    ps.scal = [int(a) for a in st.scal]
    i, mode = ps.scal[ST_LEVEL], ps.scal[ST_MODE]
    x = ps.x
    # levels above i hold their branch's x; level i holds its center when
    # mode is MODE_TRY (the center is taken at MODE_NODE)
    lowest = i if mode == MODE_TRY else i + 1
    for k in range(d - 1, max(lowest, 0) - 1, -1):
        ps.cnum[k] = _center(gs, x, k)
        if k > i:
            ps.npart[k] = _part(gs, k, x[k], ps.cnum[k], ps.npart[k + 1])
    return ps


class ExactCache:
    """The exact centers and partial sums of the levels above the last
    decision :func:`resolve` took; the next one recomputes only the levels
    whose branch changed (ties come in runs along one branch)."""

    def __init__(self, d: int):
        self.x: list[int | None] = [None] * d  # x_k that npart[k] was computed with
        self.cnum = [0] * d
        self.npart = [0] * (d + 1)
        self.clow = d  # cnum[k] is valid for k >= clow (unless x above changed)
        self.nlow = d  # npart[k] is valid for k >= nlow (unless x at or above changed)

    def partials(self, gs: ExactGS, x: list[int], i: int) -> None:
        """Make ``cnum[k]`` valid for ``k >= i`` and ``npart[k]`` for ``k > i``."""
        changed = False  # some x_j above the level differs from the cached branch
        for k in range(len(x) - 1, i - 1, -1):
            if changed or k < self.clow:
                self.cnum[k] = _center(gs, x, k)
            if k > i and (changed or k < self.nlow or self.x[k] != x[k]):
                self.npart[k] = _part(gs, k, x[k], self.cnum[k], self.npart[k + 1])
                self.x[k] = x[k]
                changed = True
        # levels below i were another branch's
        self.clow, self.nlow = i, i + 1


def resolve(gs: ExactGS, st: LatticeState, cache: ExactCache | None = None) -> bool:
    """After the kernel returned :data:`LAT_UNCERTAIN`: take the decision it
    stopped at exactly and force it into ``st`` (the kernel then goes on);
    False when the kernel cannot go on (a coefficient beyond ``XMAX``).
    ``cache`` (one per search) saves recomputing the levels above."""
    i, mode = int(st.scal[ST_LEVEL]), int(st.scal[ST_MODE])
    if mode == MODE_TRY and abs(int(st.nxt[i])) > int(st.scal[ST_XMAX]):
        return False
    d = len(gs.rows)
    x = st.x.tolist()
    if mode == MODE_NODE:
        st.scal[ST_FORCED] = _nearest(_center(gs, x, i), gs.dd[i + 1])
    else:
        if cache is None:
            cache = ExactCache(d)
        cache.partials(gs, x, i)
        p = _part(gs, i, int(st.nxt[i]), cache.cnum[i], cache.npart[i + 1])
        st.scal[ST_FORCED] = int(p > d * int(st.scal[ST_BEST]) ** 2 * gs.dd[i])
    st.scal[ST_FORCE] = 1
    return True


def lattice_step_python(gs: ExactGS, st: PyState) -> int:
    """:func:`lattice_step` on Python ints: every decision exact, never
    :data:`LAT_UNCERTAIN`."""
    dd, rows = gs.dd, gs.rows
    x, x0, nxt, dirn, cnum, npart = st.x, st.x0, st.nxt, st.dirn, st.cnum, st.npart
    scal, v = st.scal, st.v
    d, n = len(rows), len(v)
    i, mode, nodes = scal[ST_LEVEL], scal[ST_MODE], scal[ST_NODES]
    best, limit, period = scal[ST_BEST], scal[ST_LIMIT], scal[ST_PERIOD]
    r2 = d * best * best
    code = LAT_DONE
    while True:
        if mode == MODE_ENTER:
            nodes += 1
            if nodes > limit:
                code = LAT_STOPPED
                break
            mode = MODE_NODE
            if period > 0 and nodes % period == 0:
                code = LAT_PROGRESS
                break
        if mode == MODE_NODE:
            if i < 0:
                nz = [(x[k], rows[k]) for k in range(d) if x[k]]
                v[:] = [sum(xk * r[j] for xk, r in nz) for j in range(n)]
                top = max(map(abs, v))
                mode = MODE_RETURN
                if top != 0 and top <= best:
                    code = LAT_LEAF
                    break
                continue
            cnum[i] = _center(gs, x, i)
            x0[i] = nxt[i] = _nearest(cnum[i], dd[i + 1])
            dirn[i] = 0
            mode = MODE_TRY
        if mode == MODE_TRY:
            xi = nxt[i]
            p = _part(gs, i, xi, cnum[i], npart[i + 1])
            if p > r2 * dd[i]:
                if dirn[i] == 0:
                    dirn[i] = 1
                    nxt[i] = x0[i] - 1
                    continue
                x[i] = 0
                mode = MODE_RETURN
                continue
            x[i] = xi
            nxt[i] = xi + 1 if dirn[i] == 0 else xi - 1
            npart[i] = p
            i -= 1
            mode = MODE_ENTER
            continue
        if mode == MODE_RETURN:
            i += 1
            if i >= d:
                code = LAT_DONE
                break
            mode = MODE_TRY
    scal[ST_LEVEL], scal[ST_MODE], scal[ST_NODES] = i, mode, nodes
    return code
