"""Scheme-replay kernel family: one workload through every peer scheme at once.

Entry point: :func:`replay_all_schemes` (numba). Its plain-Python twin is
:func:`rmaplab.compare.replay_schemes_python`, which replays the same
operations through the scheme objects of :mod:`rmaplab.schemes` (Python
ints); tests require the same counters.

Two ways to drive a replay (``driver``):

* ``DRIVER_TRUTH``: the ground truth decides each write fault (a truly
  shared page is copied); every scheme's answer is scored against it
  (``stats``: checks, false exclusive, false shared).
* a scheme row ``r``: scheme ``r``'s own answer decides, as the kernel's
  write fault would act on it, and ``cost`` counts what that does (columns
  ``COST_*``). A PTE-mapped page: "shared" copies one 4 KiB page,
  "exclusive" reuses it (``wp_can_reuse_anon_folio``). A PMD-mapped folio
  (order ``pmd_order``, mapped whole by one map op, or inherited by fork):
  ``do_huge_pmd_wp_page`` asks no design; with no other mapping (refcount
  == 1) it reuses the whole PMD, else it splits the PMD and the PTE fault
  asks the design. A reused page is writable, so a later write to it does
  not fault, until a fork write-protects it again; a copied page leaves
  the folio. A ``map`` op is a read fault or a move: its pages are not
  writable until written.
  Its plain-Python twin is :func:`rmaplab.compare.replay_costs_python`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import (
    COL_CHECKS,
    COL_FALSE_EXCLUSIVE,
    COL_FALSE_SHARED,
    N_SCHEMES,
    OP_COW,
    OP_EXIT,
    OP_FORK,
    OP_MAP,
    OP_UNMAP,
    ROW_BIT_COUNTERS,
    ROW_LEGACY,
    ROW_MM_OWNER,
    ROW_OWNER_COUNTER,
    ROW_TOTAL_MAPCOUNT,
    STATUS_ALREADY_MAPPED,
    STATUS_BAD_KIND,
    STATUS_OK,
    STATUS_PAGES_OUT_OF_RANGE,
)

__all__ = [
    "COST_NAMES",
    "DRIVER_TRUTH",
    "SchemesInputs",
    "SchemesResult",
    "SchemesState",
    "replay_all_schemes",
]

#: ``driver`` of a replay the ground truth drives.
DRIVER_TRUTH = -1

# Columns of ``SchemesResult.cost`` (a replay driven by one scheme's answers).
COST_WRITES = 0  # write ops in the workload (4 KiB each)
COST_FAULTS = 1  # writes that faulted (page mapped from the folio, write-protected)
COST_REUSES = 2  # "exclusive": the page (or the PMD) reused, no copy
COST_COPIES = 3  # "shared": one 4 KiB page copied
COST_NEEDLESS = 4  # copies made because of a false "shared"
COST_PMD_SPLITS = 5  # write faults on a shared PMD-mapped folio: the PMD is split
COST_BROKEN = 6  # needless copies that left the folio mapped whole by no mm
COST_CORRUPTIONS = 7  # false "exclusive" reuses: two mms write one page
N_COST = 8
COST_NAMES = (
    "writes",
    "faults",
    "reuses",
    "copies",
    "needless_copies",
    "pmd_splits",
    "broken_folios",
    "corruptions",
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)

#: Largest page bitmap (folios * mms * 64-page words) a replay may allocate.
MAX_PAGE_CELLS = 1 << 27


class SchemesInputs(NamedTuple):
    """A workload as arrays (see :func:`rmaplab.compare.ops_to_arrays`).

    Op ``i`` is ``kind[i]`` (``OP_*``) on folio ``folio[i]`` by dense mm
    ``mm[i]`` with arguments ``a[i]``, ``b[i]`` (map/unmap: first page and
    count; fork: the child's dense index; cow: the page). Dense mm ``j`` has
    rmap ID ``ids[j]`` and sub-IDs ``subids[j]``.
    """

    kind: np.ndarray  # int8[n_ops]
    folio: np.ndarray  # int64[n_ops]
    mm: np.ndarray  # int64[n_ops]
    a: np.ndarray  # int64[n_ops]
    b: np.ndarray  # int64[n_ops]
    ids: np.ndarray  # int64[n_mms]
    subids: np.ndarray  # uint64[n_mms, K]
    n_folios: int
    order: int
    id_bits: int
    mask: np.uint64  # 2**word_bits - 1


# Columns of the per-folio table ``SchemesState.folios`` (one int64 row per
# folio: every scheme's counters for one folio share a cache line or two).
F_NMAPPING = 0  # truth: mms with a mapping
F_LEGACY = 1  # legacy: page 0's mapcount
F_TOTAL = 2  # total-mapcount
F_OWNER = 3  # owner-counter: the owner (-1 none)
F_OTHERS = 4  # owner-counter: mappings by mms other than the owner
F_SLOT_ID = 5  # mm-owner: 2 slots (mm + 1, 0 free) in columns 5, 6
F_SLOT_CNT = 7  # mm-owner: their counts in columns 7, 8
F_BIT = 9  # mm-owner: the "maybe shared" bit
F_MO_TOTAL = 10  # mm-owner: total
F_BC_N = 11  # bit-counters: total
F_RMAP_MAPCOUNT = 12  # rmap-id: mapcount
F_BC_BITS = 13  # bit-counters: one counter per id bit, columns 13..13+id_bits-1


class SchemesState(NamedTuple):
    """Per-folio state of every scheme and of the ground truth."""

    page_bits: np.ndarray  # uint64[folios, mms, words]: the truth's page bitmaps
    tcount: np.ndarray  # int64[folios, mms]: the truth's mappings per mm
    folios: np.ndarray  # int64[folios, F_BC_BITS + id_bits]: columns F_*
    rmap_vals: np.ndarray  # uint64[folios, K]: rmap values
    wr_bits: np.ndarray  # uint64[folios, mms, words]: pages writable (no write fault)
    pmd: np.ndarray  # int64[folios, mms]: 1 where the mm maps the folio by one PMD


class SchemesResult(NamedTuple):
    stats: np.ndarray  # int64[N_SCHEMES, 3]: checks, false exclusive, false shared
    status: int  # STATUS_OK or the STATUS_* of the first invalid op
    bad_op: int  # index of that op, -1 if none
    cost: np.ndarray | None = None  # int64[N_COST] of a scheme-driven replay


_I1 = types.int64[::1]
_I2 = types.int64[:, ::1]


def _sig():
    inputs = types.NamedTuple(
        (
            types.int8[::1],
            _I1,
            _I1,
            _I1,
            _I1,
            _I1,
            types.uint64[:, ::1],
            types.int64,
            types.int64,
            types.int64,
            types.uint64,
        ),
        SchemesInputs,
    )
    state = types.NamedTuple(
        (
            types.uint64[:, :, ::1],
            _I2,
            _I2,
            types.uint64[:, ::1],
            types.uint64[:, :, ::1],
            _I2,
        ),
        SchemesState,
    )
    return types.void(inputs, state, _I2, _I1, _I1, types.int64, types.int64)


@njit(cache=True, nogil=True)
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True, inline="always")
def _event(fs, rmap_vals, tcount, ids, subids, id_bits, mask, f, m, c, page0):
    """One signed map/unmap event of ``c`` mappings (``c < 0``: unmap) for
    dense mm ``m`` on folio ``f`` to every scheme; ``page0`` is +-1 or 0.

    Arguments: the state arrays, the constants (``ids``, ``subids``,
    ``id_bits``, ``mask``), then the event. Arrays, not the NamedTuples: a
    tuple's member read in a helper costs a reference count increment and
    decrement. ``f`` and ``mu`` (``m`` as ``uint64``) index without numba's
    negative-index wraparound."""
    mu = np.uint64(m)
    fs[f, F_LEGACY] += page0
    fs[f, F_TOTAL] += c
    # owner + counter
    if c > 0 and fs[f, F_OWNER] < 0:
        fs[f, F_OWNER] = m
    if m != fs[f, F_OWNER]:
        fs[f, F_OTHERS] += c
    # 6.15 MM-owner slots: folio_add_return_large_mapcount (c > 0) and
    # folio_sub_return_large_mapcount (c < 0); the kernel-function mapping
    # is in rmaplab.schemes.MMOwner's docstring
    s0, s1 = F_SLOT_ID, F_SLOT_ID + 1
    c0, c1 = F_SLOT_CNT, F_SLOT_CNT + 1
    if c > 0:
        if fs[f, s0] == m + 1:
            fs[f, c0] += c
        elif fs[f, s1] == m + 1:
            fs[f, c1] += c
        elif fs[f, s0] == 0:
            fs[f, s0] = m + 1
            fs[f, c0] = c
            if fs[f, F_MO_TOTAL] > 0:
                fs[f, F_BIT] = 1
        elif fs[f, s1] == 0:
            fs[f, s1] = m + 1
            fs[f, c1] = c
            fs[f, F_BIT] = 1  # slot 0 is taken: someone else maps the folio
        fs[f, F_MO_TOTAL] += c
    else:
        fs[f, F_MO_TOTAL] += c
        check = True
        for s in range(2):
            if fs[f, F_SLOT_ID + s] == m + 1:
                fs[f, F_SLOT_CNT + s] += c
                if fs[f, F_SLOT_CNT + s] <= 0:  # zero or below (the corner case): free
                    fs[f, F_SLOT_ID + s] = 0
                    fs[f, F_SLOT_CNT + s] = 0
                else:
                    check = False
        if check:
            if fs[f, c0] == fs[f, F_MO_TOTAL] or fs[f, c1] == fs[f, F_MO_TOTAL]:
                fs[f, F_BIT] = 0
    # one counter per id bit
    fs[f, F_BC_N] += c
    idm = ids[mu]
    for b in range(id_bits):
        # branch-free: an id's bits are random, a branch on each mispredicts
        fs[f, F_BC_BITS + b] += c * ((idm >> b) & 1)
    # rmap IDs
    if c > 0:
        uc = np.uint64(c)
        for k in range(subids.shape[1]):
            rmap_vals[f, k] = (rmap_vals[f, k] + uc * subids[mu, k]) & mask
    else:
        uc = np.uint64(-c)
        for k in range(subids.shape[1]):
            rmap_vals[f, k] = (rmap_vals[f, k] - uc * subids[mu, k]) & mask
    fs[f, F_RMAP_MAPCOUNT] += c
    # ground truth
    before = tcount[f, mu]
    tcount[f, mu] = before + c
    if before == 0 and c > 0:
        fs[f, F_NMAPPING] += 1
    elif before + c == 0 and before > 0:
        fs[f, F_NMAPPING] -= 1


@njit(cache=True, nogil=True, inline="always")
def _mapped_whole(page_bits, f, mu, nw, P):
    n = np.int64(0)
    for w in range(nw):
        n += _popcount(page_bits[f, mu, w])
    return n == P


@kernel(_sig)
def _schemes_kernel(inp, st, stats, status, cost, driver, pmd_order):
    """Replay a workload through every peer scheme at once (rows of
    ``SCHEME_ROWS``); ``stats[s] = (checks, false_exclusive, false_shared)``.
    ``driver``: ``DRIVER_TRUTH``, or the row whose answers decide the write
    faults, with ``cost`` (columns ``COST_*``) counting what they do; a folio
    of order ``pmd_order`` mapped whole by one map op is PMD-mapped.
    ``status = (STATUS_OK, -1)`` on success, ``(code, op)`` on an invalid
    operation."""
    kind, folio, mm, a, b = inp.kind, inp.folio, inp.mm, inp.a, inp.b
    ids, subids, id_bits, mask = inp.ids, inp.subids, inp.id_bits, inp.mask
    page_bits, tcount, fs, rmap_vals = st.page_bits, st.tcount, st.folios, st.rmap_vals
    wr_bits, pmd = st.wr_bits, st.pmd
    P = np.int64(1) << inp.order
    nw = page_bits.shape[2]
    rng = np.zeros(nw, dtype=np.uint64)
    status[0] = STATUS_OK
    status[1] = -1
    for i in range(kind.shape[0]):
        op = kind[i]
        f = np.uint64(folio[i])  # unsigned: no wraparound (checked by the entry point)
        m = mm[i]
        mu = np.uint64(m)
        # the event of a map, unmap or copy, applied once below: _event is
        # inlined, and each call site adds seconds to the cold compile
        ev_c = np.int64(0)
        ev_p0 = np.int64(0)
        if op == OP_MAP or op == OP_UNMAP:
            start = a[i]
            cnt = b[i]
            if start < 0 or cnt < 1 or start + cnt > P:
                status[0] = STATUS_PAGES_OUT_OF_RANGE
                status[1] = i
                return
            for w in range(nw):
                rng[w] = _U0
            for p in range(start, start + cnt):
                rng[p >> 6] |= _U1 << np.uint64(p & 63)
            n = np.int64(0)
            for w in range(nw):
                if op == OP_MAP:
                    if (page_bits[f, mu, w] & rng[w]) != _U0:
                        status[0] = STATUS_ALREADY_MAPPED
                        status[1] = i
                        return
                    page_bits[f, mu, w] |= rng[w]
                    n += _popcount(rng[w])
                else:
                    hit = page_bits[f, mu, w] & rng[w]
                    n += _popcount(hit)
                    rng[w] = hit
                    page_bits[f, mu, w] &= ~hit
                    wr_bits[f, mu, w] &= ~hit
            if n == 0:
                continue
            p0 = np.int64(rng[0] & _U1)
            if op == OP_MAP:
                ev_c, ev_p0 = n, p0
                # one PMD maps the whole folio when the mm mapped none of it
                if inp.order == pmd_order and n == P and tcount[f, mu] == 0:
                    pmd[f, mu] = 1
            else:
                ev_c, ev_p0 = -n, -p0
                pmd[f, mu] = 0  # a partial unmap splits the PMD first
        elif op == OP_FORK or op == OP_EXIT:
            child = a[i]
            cu = np.uint64(child)
            for f2 in range(inp.n_folios):
                n = tcount[f2, mu]
                if n == 0:
                    continue
                fu = np.uint64(f2)
                p0 = np.int64(page_bits[fu, mu, 0] & _U1)
                if op == OP_FORK:
                    for w in range(nw):
                        page_bits[fu, cu, w] |= page_bits[fu, mu, w]
                        # fork write-protects the anon pages in parent and child
                        wr_bits[fu, mu, w] = _U0
                        wr_bits[fu, cu, w] = _U0
                    pmd[fu, cu] = pmd[fu, mu]
                    _event(fs, rmap_vals, tcount, ids, subids, id_bits, mask, fu, child, n, p0)
                else:
                    for w in range(nw):
                        page_bits[fu, mu, w] = _U0
                        wr_bits[fu, mu, w] = _U0
                    pmd[fu, mu] = 0
                    _event(fs, rmap_vals, tcount, ids, subids, id_bits, mask, fu, m, -n, -p0)
        elif op == OP_COW:
            # a write fault on page pg: every scheme answers, the truth scores
            # them, and the driver (the truth, or one scheme) decides the copy
            pg = a[i]
            w = np.uint64(pg >> 6)
            bit = _U1 << np.uint64(pg & 63)
            if driver >= 0:
                cost[COST_WRITES] += 1
            if (page_bits[f, mu, w] & bit) == _U0:
                continue  # the page was copied or unmapped earlier: no fault on this folio
            if driver >= 0 and (wr_bits[f, mu, w] & bit) != _U0:
                continue  # reused earlier and not write-protected since: no fault
            truly = fs[f, F_NMAPPING] > 1
            said = False
            for r in range(N_SCHEMES):
                if r == ROW_LEGACY:
                    shared = fs[f, F_LEGACY] > 1
                elif r == ROW_TOTAL_MAPCOUNT:
                    shared = True
                elif r == ROW_OWNER_COUNTER:
                    shared = not (m == fs[f, F_OWNER] and fs[f, F_OTHERS] == 0)
                elif r == ROW_MM_OWNER:
                    # folio_maybe_mapped_shared: total <= 1 is exclusive, else the bit
                    shared = fs[f, F_MO_TOTAL] > 1 and fs[f, F_BIT] != 0
                elif r == ROW_BIT_COUNTERS:
                    idm = ids[mu]
                    nb = fs[f, F_BC_N]
                    diff = np.int64(0)
                    for bb in range(id_bits):
                        # branch-free, as in _event: counter bb should be n times bit bb
                        diff |= fs[f, F_BC_BITS + bb] ^ (nb * ((idm >> bb) & 1))
                    shared = diff != 0
                else:  # ROW_RMAP_ID: __folio_large_mapped_shared
                    shared = False
                    if fs[f, F_RMAP_MAPCOUNT] > P:
                        shared = True
                    else:
                        un = np.uint64(fs[f, F_RMAP_MAPCOUNT])
                        for k in range(subids.shape[1]):
                            if rmap_vals[f, k] != ((un * subids[mu, k]) & mask):
                                shared = True
                stats[r, COL_CHECKS] += 1
                if not shared and truly:
                    stats[r, COL_FALSE_EXCLUSIVE] += 1
                if shared and not truly:
                    stats[r, COL_FALSE_SHARED] += 1
                if r == driver:
                    said = shared
            copy = truly
            if driver >= 0:
                cost[COST_FAULTS] += 1
                if pmd[f, mu] != 0 and not truly:
                    # do_huge_pmd_wp_page: refcount == 1 (one PMD mapping, no
                    # other mm) reuses the whole PMD without asking any design
                    cost[COST_REUSES] += 1
                    for w2 in range(nw):
                        wr_bits[f, mu, w2] = page_bits[f, mu, w2]
                    continue
                if pmd[f, mu] != 0:
                    # shared: the PMD is split, and the PTE fault asks the design
                    cost[COST_PMD_SPLITS] += 1
                    pmd[f, mu] = 0
                copy = said
                if said:
                    cost[COST_COPIES] += 1
                    if not truly:
                        cost[COST_NEEDLESS] += 1
                        # nobody else maps it: whole before the copy means broken after
                        if _mapped_whole(page_bits, f, mu, nw, P):
                            cost[COST_BROKEN] += 1
                else:
                    cost[COST_REUSES] += 1
                    wr_bits[f, mu, w] |= bit
                    if truly:
                        cost[COST_CORRUPTIONS] += 1
            if copy:
                page_bits[f, mu, w] &= ~bit
                wr_bits[f, mu, w] &= ~bit
                ev_c = np.int64(-1)
                ev_p0 = np.int64(-1) if pg == 0 else np.int64(0)
        else:
            status[0] = STATUS_BAD_KIND
            status[1] = i
            return
        if ev_c != 0:
            _event(fs, rmap_vals, tcount, ids, subids, id_bits, mask, f, m, ev_c, ev_p0)


def _new_state(inp: SchemesInputs) -> SchemesState:
    """Empty folios for :func:`_schemes_kernel` (owners -1, everything else 0)."""
    nf, n_mm = int(inp.n_folios), inp.ids.shape[0]
    nw = ((1 << int(inp.order)) + 63) // 64

    folios = np.zeros((nf, F_BC_BITS + int(inp.id_bits)), dtype=np.int64)
    folios[:, F_OWNER] = -1
    return SchemesState(
        page_bits=np.zeros((nf, n_mm, nw), dtype=np.uint64),
        tcount=np.zeros((nf, n_mm), dtype=np.int64),
        folios=folios,
        rmap_vals=np.zeros((nf, inp.subids.shape[1]), dtype=np.uint64),
        wr_bits=np.zeros((nf, n_mm, nw), dtype=np.uint64),
        pmd=np.zeros((nf, n_mm), dtype=np.int64),
    )


def _convert(inp: SchemesInputs) -> SchemesInputs:
    """Cast and check ``inp`` for the kernel, which indexes without bounds
    checks: every folio, mm and child index is refused here if out of range."""

    def i64(a) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.int64)

    c = SchemesInputs(
        kind=np.ascontiguousarray(inp.kind, dtype=np.int8),
        folio=i64(inp.folio),
        mm=i64(inp.mm),
        a=i64(inp.a),
        b=i64(inp.b),
        ids=i64(inp.ids),
        # no ids (no operations): keep the K columns, which -1 cannot infer from 0 rows
        subids=np.ascontiguousarray(inp.subids, dtype=np.uint64).reshape(
            len(inp.ids), -1 if len(inp.ids) else max(1, np.shape(inp.subids)[-1])
        ),
        n_folios=int(inp.n_folios),  # Python ints: numba types them int64
        order=int(inp.order),
        id_bits=int(inp.id_bits),
        mask=np.uint64(inp.mask),
    )
    n, n_mm = c.kind.shape[0], c.ids.shape[0]
    if any(x.shape != (n,) for x in c[1:5]):
        raise ValueError(f"kind, folio, mm, a, b must all have {n} entries")
    if not 0 <= c.order <= 30 or not 0 <= c.id_bits <= 63 or c.n_folios < 1:
        raise ValueError(f"order={c.order}, id_bits={c.id_bits}, n_folios={c.n_folios}")
    nw = ((1 << int(c.order)) + 63) // 64
    if int(c.n_folios) * max(n_mm, 1) * nw > MAX_PAGE_CELLS:
        raise ValueError(
            f"folios * mms * words = {int(c.n_folios) * n_mm * nw} is too large: "
            f"allowed <= {MAX_PAGE_CELLS}"
        )
    if n:
        fork = c.kind == OP_FORK
        cow = c.kind == OP_COW
        for name, x, hi in (
            ("folio", c.folio, c.n_folios - 1),
            ("mm", c.mm, n_mm - 1),
            ("fork child", c.a[fork], n_mm - 1),
            ("cow page", c.a[cow], (1 << int(c.order)) - 1),
        ):
            if x.size and (int(x.min()) < 0 or int(x.max()) > hi):
                raise ValueError(f"{name} holds values outside the allowed range [0, {hi}]")
    return c


def replay_all_schemes(
    inp: SchemesInputs, driver: int = DRIVER_TRUTH, pmd_order: int = 9
) -> SchemesResult:
    """Replay ``inp`` from empty folios through every scheme (rows
    ``SCHEME_ROWS``); the first invalid map/unmap stops it with its status.
    ``driver``: ``DRIVER_TRUTH`` (the ground truth decides the write
    faults), or a scheme row whose answers decide them, with ``cost``
    counting what they do; ``pmd_order``: the folio order one PMD maps
    (9: x86-64 with 4 KiB pages; -1: none)."""
    c = _convert(inp)
    if not DRIVER_TRUTH <= int(driver) < N_SCHEMES:
        raise ValueError(f"driver={driver} is out of range: allowed [-1, {N_SCHEMES - 1}]")
    stats = np.zeros((N_SCHEMES, 3), dtype=np.int64)
    status = np.zeros(2, dtype=np.int64)
    cost = np.zeros(N_COST, dtype=np.int64)
    _schemes_kernel(c, _new_state(c), stats, status, cost, int(driver), int(pmd_order))
    return SchemesResult(
        stats, int(status[0]), int(status[1]), cost if driver != DRIVER_TRUTH else None
    )
