"""Lattice kernel family: the Fincke-Pohst enumeration of :mod:`rmaplab.lattice`.

Entry point :func:`lattice_step` (numba), twin :func:`lattice_step_python`
(the same state machine on exact Python ints, in :mod:`.lattice_exact`);
:func:`rmaplab.lattice.shortest_linf` drives both.

The search is the depth-first enumeration of coefficient vectors ``x`` with
``sum_{k >= i} y_k**2 * B_k <= d * best**2`` at every level ``i`` (``B_k``
the squared Gram-Schmidt norms, ``y_k = x_k - c_k``, ``c_k = -sum_{j > k}
mu_jk x_j``), children taken from the integer nearest ``c_k`` (ties down),
first upwards, then downwards. A step runs it from where its state stands
until it needs Python: a leaf with ``0 < ||v||_inf <= best`` (the caller
costs it and may lower ``best``), a progress report, the node budget, the
end, or (kernel only) a decision floats cannot certify.

Dtype policy. Those integers are too wide for int64 on the lattices the
verifier meets (``dd[k]`` reaches ``det**2 = 2**(2W)``, 2**128 at W = 64), so
the kernel does not scale them: it keeps ``mu`` and ``B`` as float64
(correctly rounded from the exact rationals) and carries, beside every
center and partial sum, a bound on its rounding error (unit roundoff
``u = 2**-53``, every bound doubled). A decision is taken only when the
float value is farther from the threshold than its error bound; the last
level's comparison, which floats cannot certify, is redone exactly on the
int64 vector ``v`` (``S_0 = ||v||**2``). Any other decision floats cannot
certify returns :data:`LAT_UNCERTAIN` and the twin finishes the search from
that very state (no node is visited twice, so node counts and the order of
leaves are the exact search's). Before the kernel runs, the caller checks
the bounds that keep its integers exact: ``d * best**2 <= 2**53`` (the
radius is an exact float), basis entries and ``d * max|b| * XMAX < 2**62``
(``XMAX`` caps ``|x_k|``; a larger coefficient also returns
:data:`LAT_UNCERTAIN`). When the checks fail the twin runs the search alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import types

from . import lattice_exact
from ._jit import kernel
from .lattice_exact import *  # noqa: F403 (re-exported: lattice_exact.__all__)
from .lattice_exact import (
    LAT_DONE,
    LAT_LEAF,
    LAT_PROGRESS,
    LAT_STOPPED,
    LAT_UNCERTAIN,
    MODE_ENTER,
    MODE_NODE,
    MODE_RETURN,
    MODE_TRY,
    N_SCAL,
    ST_BEST,
    ST_COST,
    ST_FORCE,
    ST_FORCED,
    ST_LEVEL,
    ST_LIMIT,
    ST_MODE,
    ST_NLEAF,
    ST_NODES,
    ST_PERIOD,
    ST_XMAX,
    ExactGS,
    start_scal,
)

#: the exact side is re-exported: callers see one kernel family
__all__ = [
    "COST_CALLBACK",
    "COST_SAME_SIGN_L1",
    "LEAF_BUFFER",
    "MAX_ENTRY",
    "MAX_R2",
    "LatticeInputs",
    "LatticeState",
    "kernel_inputs",
    "lattice_step",
    "new_state",
    "rewind",
    "xmax",
    *lattice_exact.__all__,  # one kernel family: the exact side, re-exported
]

# -- the cost a search uses, as far as the kernel knows it ------------------------
COST_CALLBACK = 0  # a Python function: every leaf goes to Python
COST_SAME_SIGN_L1 = 1  # sum |v_j| if all v_j have one sign, else None (pure): the
# kernel drops a leaf whose cost is None or above best, which the caller would ignore

#: Leaves the kernel buffers before it returns (each with a snapshot of the
#: state after it, to go back to when the caller lowers ``best`` on it).
LEAF_BUFFER = 256

#: float64 unit roundoff
U = 2.0**-53
#: Largest radius ``d * best**2`` the kernel takes (an exact float).
MAX_R2 = 1 << 53
#: Largest basis entry the kernel takes.
MAX_ENTRY = 1 << 40


class LatticeInputs(NamedTuple):
    """The kernel's read-only data: Gram-Schmidt in float64, the basis in int64."""

    mu: np.ndarray  # float64[d, d]: mu[j, k] for j > k, correctly rounded
    bnorm: np.ndarray  # float64[d]: B_k = dd[k+1] / dd[k], correctly rounded
    rows: np.ndarray  # int64[d, n]


class LatticeState(NamedTuple):
    """The enumeration between two steps (:func:`new_state`)."""

    x: np.ndarray  # int64[d]: coefficients of the current branch
    x0: np.ndarray  # int64[d]: per level, the integer nearest the center
    nxt: np.ndarray  # int64[d]: per level, the next coefficient to try
    dirn: np.ndarray  # int64[d]: per level, 0 upwards from x0, 1 downwards from x0 - 1
    cen: np.ndarray  # float64[d]: per level, the center
    cerr: np.ndarray  # float64[d]: its error bound
    part: np.ndarray  # float64[d + 1]: part[i + 1] = S_{i+1}, the sum handed to level i
    perr: np.ndarray  # float64[d + 1]: its error bound
    scal: np.ndarray  # int64[N_SCAL]
    v: np.ndarray  # int64[n]: the leaf, when a step returns LAT_LEAF
    leaves: np.ndarray  # int64[LEAF_BUFFER, n]: leaves since the last return, signed so
    # that the first nonzero entry is positive (v and -v are one vector)
    snap_i: np.ndarray  # int64[LEAF_BUFFER, 4d + 1]: x, x0, nxt, dirn, nodes after each
    snap_f: np.ndarray  # float64[LEAF_BUFFER, 4d + 2]: cen, cerr, part, perr after each
    w: np.ndarray  # int64[d + 1, n]: w[k] = sum_{j >= k} x_j b_j on the branch, w[d] = 0


def kernel_inputs(gs: ExactGS) -> LatticeInputs | None:
    """The kernel's inputs, or None when the basis is beyond its dtype policy."""
    d = len(gs.rows)
    top = max(abs(a) for r in gs.rows for a in r)
    if d == 0 or top > MAX_ENTRY:
        return None
    mu = np.zeros((d, d), dtype=np.float64)
    for j in range(d):
        for k in range(j):
            mu[j, k] = gs.lam[j][k] / gs.dd[k + 1]  # int / int: correctly rounded
    bnorm = np.array([gs.dd[k + 1] / gs.dd[k] for k in range(d)], dtype=np.float64)
    return LatticeInputs(mu, bnorm, np.array(gs.rows, dtype=np.int64))


def xmax(gs: ExactGS) -> int:
    top = max(abs(a) for r in gs.rows for a in r)
    return min(1 << 52, (1 << 62) // (len(gs.rows) * top + 1))


def new_state(d: int, n: int, best: int, node_limit: int, period: int, xcap: int) -> LatticeState:
    scal = np.array(start_scal(d, best, node_limit, period, xcap), dtype=np.int64)
    return LatticeState(
        x=np.zeros(d, dtype=np.int64),
        x0=np.zeros(d, dtype=np.int64),
        nxt=np.zeros(d, dtype=np.int64),
        dirn=np.zeros(d, dtype=np.int64),
        cen=np.zeros(d, dtype=np.float64),
        cerr=np.zeros(d, dtype=np.float64),
        part=np.zeros(d + 1, dtype=np.float64),
        perr=np.zeros(d + 1, dtype=np.float64),
        scal=scal,
        v=np.zeros(n, dtype=np.int64),
        leaves=np.zeros((LEAF_BUFFER, n), dtype=np.int64),
        snap_i=np.zeros((LEAF_BUFFER, 4 * d + 1), dtype=np.int64),
        snap_f=np.zeros((LEAF_BUFFER, 4 * d + 2), dtype=np.float64),
        w=np.zeros((d + 1, n), dtype=np.int64),
    )


def rewind(st: LatticeState, k: int, rows: np.ndarray) -> None:
    """Put ``st`` back where it stood just after buffered leaf ``k`` (the
    caller lowered ``best`` on it) and empty the buffer."""
    d = st.x.shape[0]
    si, sf = st.snap_i[k], st.snap_f[k]
    st.x[:] = si[:d]
    st.x0[:] = si[d : 2 * d]
    st.nxt[:] = si[2 * d : 3 * d]
    st.dirn[:] = si[3 * d : 4 * d]
    st.scal[ST_NODES] = si[4 * d]
    st.cen[:] = sf[:d]
    st.cerr[:] = sf[d : 2 * d]
    st.part[:] = sf[2 * d : 3 * d + 1]
    st.perr[:] = sf[3 * d + 1 :]
    st.scal[ST_LEVEL] = -1
    st.scal[ST_MODE] = MODE_RETURN
    st.scal[ST_NLEAF] = 0
    _branch_sums(rows, st)


def _branch_sums(rows: np.ndarray, st: LatticeState) -> None:
    """``st.w`` from ``st.x`` (int64: ``|x_k| <= XMAX`` keeps it exact)."""
    st.w[-1] = 0
    for k in range(st.x.shape[0] - 1, -1, -1):
        st.w[k] = st.w[k + 1] + st.x[k] * rows[k]


def _sig():
    f1, f2 = types.float64[::1], types.float64[:, ::1]
    i1, i2 = types.int64[::1], types.int64[:, ::1]
    inp = types.NamedTuple((f2, f1, i2), LatticeInputs)
    st = types.NamedTuple((i1, i1, i1, i1, f1, f1, f1, f1, i1, i1, i2, i2, f2, i2), LatticeState)
    return types.int64(inp, st)


@kernel(_sig)
def _lattice_kernel(inp, st):
    """Run the enumeration from where ``st`` stands (module docstring) until
    it needs Python; returns a ``LAT_*`` code, the rest is in ``st``."""
    mu = inp.mu
    bnorm = inp.bnorm
    rows = inp.rows
    x = st.x
    x0 = st.x0
    nxt = st.nxt
    dirn = st.dirn
    cen = st.cen
    cerr = st.cerr
    part = st.part
    perr = st.perr
    scal = st.scal
    v = st.v
    leaves = st.leaves
    snap_i = st.snap_i
    snap_f = st.snap_f
    w = st.w
    nbuf = leaves.shape[0]
    d = bnorm.shape[0]
    n = rows.shape[1]
    i = scal[ST_LEVEL]
    mode = scal[ST_MODE]
    nodes = scal[ST_NODES]
    best = scal[ST_BEST]
    limit = scal[ST_LIMIT]
    period = scal[ST_PERIOD]
    xcap = scal[ST_XMAX]
    r2i = d * best * best
    r2 = np.float64(r2i)
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
                for j in range(n):
                    v[j] = w[0, j]
                top = np.int64(0)
                for j in range(n):
                    a = abs(v[j])
                    if a > top:
                        top = a
                mode = MODE_RETURN
                if top == 0 or top > best:
                    continue
                if scal[ST_COST] == COST_SAME_SIGN_L1:
                    pos = np.int64(0)
                    neg = np.int64(0)
                    for j in range(n):
                        if v[j] > 0:
                            pos += v[j]
                        else:
                            neg -= v[j]
                    if (pos > 0 and neg > 0) or pos + neg > best:
                        continue
                k = scal[ST_NLEAF]
                sign = np.int64(1)
                for j in range(n):
                    if v[j] != 0:
                        if v[j] < 0:
                            sign = -1
                        break
                for j in range(n):
                    leaves[k, j] = sign * v[j]
                for j in range(d):
                    snap_i[k, j] = x[j]
                    snap_i[k, d + j] = x0[j]
                    snap_i[k, 2 * d + j] = nxt[j]
                    snap_i[k, 3 * d + j] = dirn[j]
                    snap_f[k, j] = cen[j]
                    snap_f[k, d + j] = cerr[j]
                for j in range(d + 1):
                    snap_f[k, 2 * d + j] = part[j]
                    snap_f[k, 3 * d + 1 + j] = perr[j]
                snap_i[k, 4 * d] = nodes
                scal[ST_NLEAF] = k + 1
                if k + 1 == nbuf:
                    code = LAT_LEAF
                    break
                continue
            c = 0.0
            amag = 0.0
            for j in range(i + 1, d):
                t = mu[j, i] * np.float64(x[j])
                c -= t
                amag += abs(t)
            ec = 2.0 * (d + 4) * U * amag
            fl = np.floor(c)
            f = c - fl
            if scal[ST_FORCE] != 0:
                scal[ST_FORCE] = 0
                q = scal[ST_FORCED]
            elif abs(f - 0.5) <= ec + 4.0 * U:
                code = LAT_UNCERTAIN
                break
            else:
                q = np.int64(fl)
                if f > 0.5:
                    q += 1
            x0[i] = q
            nxt[i] = q
            dirn[i] = 0
            cen[i] = c
            cerr[i] = ec
            mode = MODE_TRY
        if mode == MODE_TRY:
            xi = nxt[i]
            if abs(xi) > xcap:
                code = LAT_UNCERTAIN
                break
            t = np.float64(xi) - cen[i]
            at = abs(t)
            et = cerr[i] + 2.0 * U * at
            b = bnorm[i]
            term = t * t * b
            eterm = 8.0 * U * term + 2.0 * b * et * (2.0 * at + et)
            p = part[i + 1] + term
            ep = perr[i + 1] + eterm + 2.0 * U * p
            margin = ep + 4.0 * U * (p + r2)
            if scal[ST_FORCE] != 0:
                scal[ST_FORCE] = 0
                over = scal[ST_FORCED] != 0
            elif p - margin > r2:
                over = True
            elif p + margin <= r2:
                over = False
            elif i == 0:
                # S_0 = ||v||**2: decide on the integer vector
                for j in range(n):
                    v[j] = w[1, j] + xi * rows[0, j]
                s = np.int64(0)
                over = False
                for j in range(n):
                    a = abs(v[j])
                    if a >= np.int64(1) << 31:
                        over = True
                        break
                    s += a * a
                    if s > r2i:
                        over = True
                        break
            else:
                code = LAT_UNCERTAIN
                break
            if over:
                if dirn[i] == 0:
                    dirn[i] = 1
                    nxt[i] = x0[i] - 1
                    continue
                x[i] = 0
                mode = MODE_RETURN
                continue
            x[i] = xi
            for j in range(n):
                w[i, j] = w[i + 1, j] + xi * rows[i, j]
            nxt[i] = xi + 1 if dirn[i] == 0 else xi - 1
            part[i] = p
            perr[i] = ep
            i -= 1
            mode = MODE_ENTER
            continue
        if mode == MODE_RETURN:
            i += 1
            if i >= d:
                code = LAT_DONE
                break
            mode = MODE_TRY
    scal[ST_LEVEL] = i
    scal[ST_MODE] = mode
    scal[ST_NODES] = nodes
    return code


def lattice_step(inp: LatticeInputs, st: LatticeState) -> int:
    """One step of the kernel (module docstring); checks the shapes first."""
    d, n = inp.rows.shape
    if inp.mu.shape != (d, d) or inp.bnorm.shape != (d,) or st.x.shape != (d,):
        raise ValueError("inputs and state disagree on the dimension")
    if st.v.shape != (n,) or st.part.shape != (d + 1,) or st.scal.shape != (N_SCAL,):
        raise ValueError("state has the wrong shape")
    if st.leaves.shape[1] != n or st.snap_i.shape[1] != 4 * d + 1 or st.w.shape != (d + 1, n):
        raise ValueError("state has the wrong shape")
    if st.scal[ST_NLEAF] != 0:
        raise ValueError("the leaf buffer must be emptied (scal[ST_NLEAF] = 0) before a step")
    best = int(st.scal[ST_BEST])
    if best < 0 or d * best * best > MAX_R2:
        raise ValueError(f"best={st.scal[ST_BEST]}: d * best**2 must be <= 2**53")
    return int(_lattice_kernel(inp, st))
