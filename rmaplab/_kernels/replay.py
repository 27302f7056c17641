"""Replay kernel family: map/unmap/check streams over many folios.

Entry point: :func:`replay_stream` (numba); its twin on Python ints is
:func:`replay_stream_python` (the same loop), and the library's
:func:`rmaplab.replay.replay_python` replays through ``Folio`` objects.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import ANSWER_EXCLUSIVE, ANSWER_NONE, ANSWER_SHARED

__all__ = [
    "ReplayInputs",
    "ReplayState",
    "TruthState",
    "replay_stream",
    "replay_stream_python",
]


class ReplayInputs(NamedTuple):
    """A validated stream and the per-folio constants, as the kernel reads them.

    Op ``i`` adds ``delta[i] * subid`` to every value of folio ``folio[i]``
    for dense mm ``mm[i]`` and, if ``check[i]``, asks the check.
    ``subids[g, m, k]`` is the addend of word ``k`` for dense mm ``m`` in
    slot ``g``: under a configuration one slot per group and the posted
    sub-IDs, under an :class:`~rmaplab.encodings.Encoding` one slot and its
    addends (the kernel is the same: it only reads the table). Folio ``f`` is
    in slot ``fgroup[f]``, with ``group_nr_values[g]`` rmap values and
    ``nr_pages[f]`` pages. :func:`rmaplab.replay.replay_inputs` builds these.
    """

    folio: np.ndarray  # int64[n_ops]
    mm: np.ndarray  # int64[n_ops], dense mm index
    delta: np.ndarray  # int64[n_ops], signed page count
    check: np.ndarray  # bool[n_ops]
    fgroup: np.ndarray  # int64[n_folios]
    nr_pages: np.ndarray  # int64[n_folios], folio_nr_pages
    group_nr_values: np.ndarray  # int64[n_groups], K of each group slot
    subids: np.ndarray  # uint64[n_slots, n_mms, max K]: addends (sub-IDs)
    mask: np.uint64  # 2**word_bits - 1


class ReplayState(NamedTuple):
    """Per-folio state and per-op answers the kernel writes."""

    mapcount: np.ndarray  # int64[n_folios]
    rmap_vals: np.ndarray  # uint64[n_folios, max K]; unused columns stay 0
    answers: np.ndarray  # int8[n_ops]: -1 no check, 0 exclusive, 1 shared


class TruthState(NamedTuple):
    """Ground truth the tracking kernel keeps: mappings per (folio, mm)."""

    counts: np.ndarray  # int64[n_folios, n_mms]
    nmapping: np.ndarray  # int64[n_folios], mms with a nonzero count
    truth: np.ndarray  # int8[n_ops]: -1 no check, 0 no other mm maps, 1 another does


_I64 = types.int64[::1]
_INPUTS = (_I64, _I64, _I64, types.boolean[::1], _I64, _I64, _I64, types.uint64[:, :, ::1])


def _sig_inputs():
    return types.NamedTuple((*_INPUTS, types.uint64), ReplayInputs)


def _sig_state():
    return types.NamedTuple((_I64, types.uint64[:, ::1], types.int8[::1]), ReplayState)


def _sig_truth():
    return types.NamedTuple((types.int64[:, ::1], _I64, types.int8[::1]), TruthState)


# The two kernels below share their per-operation work through these two
# workers, inlined at numba's IR level (inline="always"), so the loop a
# kernel compiles is the one written here and no call is left per operation.
@njit(cache=True, nogil=True, inline="always")
def _apply(rmap_vals, subids, mask, f, g, m, nv, d):
    """One (un)map of ``d`` pages by dense mm ``m``: one add per value, wrapping."""
    # an unsigned value index: with a signed one (range(nv)) numba emits a
    # negative-index wraparound per access, which kept this loop at 0.83-0.88x
    # C; unsigned, it runs at 0.97x (benchmarks/bench_replay.py)
    nvu = np.uint64(nv)
    if d > 0:
        c = np.uint64(d)
        k = np.uint64(0)
        while k < nvu:
            rmap_vals[f, k] = (rmap_vals[f, k] + c * subids[g, m, k]) & mask
            k += np.uint64(1)
    elif d < 0:
        c = np.uint64(-d)
        k = np.uint64(0)
        while k < nvu:
            rmap_vals[f, k] = (rmap_vals[f, k] - c * subids[g, m, k]) & mask
            k += np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def _answer(rmap_vals, subids, mask, f, g, m, nv, n, pages):
    """``__folio_large_mapped_shared``: shared if ``mapcount > folio_nr_pages``,
    else exclusive iff every ``rmap_vals[f, k] == mapcount * subid`` modulo
    the word."""
    if n > pages:
        return np.int8(ANSWER_SHARED)
    un = np.uint64(n)
    nvu = np.uint64(nv)
    k = np.uint64(0)
    while k < nvu:  # unsigned: no wraparound check (see _apply)
        if rmap_vals[f, k] != ((un * subids[g, m, k]) & mask):
            return np.int8(ANSWER_SHARED)
        k += np.uint64(1)
    return np.int8(ANSWER_EXCLUSIVE)


@kernel(lambda: types.void(_sig_inputs(), _sig_state()))
def _replay_kernel(inp, st):
    """Replay, one add per value per operation (:func:`_apply`), and the
    check where asked (:func:`_answer`)."""
    # locals, and no array views in the loop: a view costs a reference-count
    # increment and decrement per operation
    folio, mm, delta, check = inp.folio, inp.mm, inp.delta, inp.check
    fgroup, nr_pages, subids, mask = inp.fgroup, inp.nr_pages, inp.subids, inp.mask
    group_nr_values = inp.group_nr_values
    mapcount, rmap_vals, answers = st.mapcount, st.rmap_vals, st.answers
    for i in range(folio.shape[0]):
        # unsigned indices: numba then skips the negative-index wraparound
        # (the entry point has checked every index is in range)
        f = np.uint64(folio[i])
        m = np.uint64(mm[i])
        g = np.uint64(fgroup[f])
        nv = group_nr_values[g]
        d = delta[i]
        _apply(rmap_vals, subids, mask, f, g, m, nv, d)
        n = mapcount[f] + d
        mapcount[f] = n
        if check[i]:
            answers[i] = _answer(rmap_vals, subids, mask, f, g, m, nv, n, nr_pages[f])


@kernel(lambda: types.void(_sig_inputs(), _sig_state(), _sig_truth()))
def _replay_truth_kernel(inp, st, tr):
    """:func:`_replay_kernel` that also tracks which mm holds how many
    mappings, and writes the ground truth of every check."""
    folio, mm, delta, check = inp.folio, inp.mm, inp.delta, inp.check
    fgroup, nr_pages, subids, mask = inp.fgroup, inp.nr_pages, inp.subids, inp.mask
    group_nr_values = inp.group_nr_values
    mapcount, rmap_vals, answers = st.mapcount, st.rmap_vals, st.answers
    counts, nmapping, truth = tr.counts, tr.nmapping, tr.truth
    for i in range(folio.shape[0]):
        f = np.uint64(folio[i])
        m = np.uint64(mm[i])
        g = np.uint64(fgroup[f])
        nv = group_nr_values[g]
        d = delta[i]
        _apply(rmap_vals, subids, mask, f, g, m, nv, d)
        n = mapcount[f] + d
        mapcount[f] = n
        if d != 0:
            before = counts[f, m]
            after = before + d
            counts[f, m] = after
            if before == 0 and after != 0:
                nmapping[f] += 1
            elif before != 0 and after == 0:
                nmapping[f] -= 1
        if check[i]:
            answers[i] = _answer(rmap_vals, subids, mask, f, g, m, nv, n, nr_pages[f])
            others = nmapping[f]
            if counts[f, m] != 0:
                others -= 1
            truth[i] = np.int8(1) if others > 0 else np.int8(0)


def _convert(inp: ReplayInputs) -> ReplayInputs:
    def i64(a) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.int64)

    out = ReplayInputs(
        folio=i64(inp.folio),
        mm=i64(inp.mm),
        delta=i64(inp.delta),
        check=np.ascontiguousarray(inp.check, dtype=np.bool_),
        fgroup=i64(inp.fgroup),
        nr_pages=i64(inp.nr_pages),
        group_nr_values=i64(inp.group_nr_values),
        subids=np.ascontiguousarray(inp.subids, dtype=np.uint64),
        mask=np.uint64(inp.mask),
    )
    n = out.folio.shape[0]
    nf = out.fgroup.shape[0]
    ng, nm, kmax = out.subids.shape
    for name in ("mm", "delta", "check"):
        if getattr(out, name).shape != (n,):
            raise ValueError(f"{name} has shape {getattr(out, name).shape}: allowed ({n},)")
    if out.nr_pages.shape != (nf,) or out.group_nr_values.shape != (ng,):
        raise ValueError(
            "nr_pages must have one entry per folio, group_nr_values one per group slot"
        )
    bounds = [
        ("folio", out.folio, nf - 1),
        ("mm", out.mm, nm - 1),
        ("fgroup", out.fgroup, ng - 1),
        ("group_nr_values", out.group_nr_values, kmax),
    ]
    for name, a, hi in bounds:
        # the kernels index without bounds checks: an index out of range is refused here
        if a.size and (int(a.min()) < 0 or int(a.max()) > hi):
            raise ValueError(f"{name} holds entries outside the allowed range [0, {hi}]")
    return out


def _new_state(inp: ReplayInputs) -> ReplayState:
    nf = inp.fgroup.shape[0]
    return ReplayState(
        np.zeros(nf, dtype=np.int64),
        np.zeros((nf, inp.subids.shape[2]), dtype=np.uint64),
        np.full(inp.folio.shape[0], ANSWER_NONE, dtype=np.int8),
    )


def _new_truth(inp: ReplayInputs) -> TruthState:
    nf = inp.fgroup.shape[0]
    return TruthState(
        np.zeros((nf, inp.subids.shape[1]), dtype=np.int64),
        np.zeros(nf, dtype=np.int64),
        np.full(inp.folio.shape[0], ANSWER_NONE, dtype=np.int8),
    )


def replay_stream(inp: ReplayInputs, truth: bool = True) -> tuple[ReplayState, TruthState | None]:
    """Replay ``inp`` from empty folios; with ``truth`` also the ground truth.

    The stream's semantics (no unmap below zero, ids of the configuration)
    are the caller's to validate (:func:`rmaplab.replay.make_stream`); this
    checks shapes and that every index is in range, then runs the kernel.
    """
    inp = _convert(inp)
    st = _new_state(inp)
    if truth:
        tr = _new_truth(inp)
        _replay_truth_kernel(inp, st, tr)
        return st, tr
    _replay_kernel(inp, st)
    return st, None


def replay_stream_python(inp: ReplayInputs) -> tuple[ReplayState, TruthState]:
    """:func:`replay_stream` (with truth) on Python ints, the same loop."""
    inp = _convert(inp)
    mask = int(inp.mask)
    nf = inp.fgroup.shape[0]
    subids = inp.subids.tolist()
    kmax = inp.subids.shape[2]
    rmap_vals = [[0] * kmax for _ in range(nf)]
    mapcount = [0] * nf
    counts: list[dict[int, int]] = [{} for _ in range(nf)]
    answers = [ANSWER_NONE] * inp.folio.shape[0]
    truth = [ANSWER_NONE] * inp.folio.shape[0]
    ops = zip(
        inp.folio.tolist(), inp.mm.tolist(), inp.delta.tolist(), inp.check.tolist(), strict=True
    )
    for i, (f, m, d, chk) in enumerate(ops):
        g = int(inp.fgroup[f])
        nv = int(inp.group_nr_values[g])
        s, v = subids[g][m], rmap_vals[f]
        for k in range(nv):
            v[k] = (v[k] + d * s[k]) & mask
        mapcount[f] += d
        counts[f][m] = counts[f].get(m, 0) + d
        if not counts[f][m]:
            del counts[f][m]
        if chk:
            n = mapcount[f]
            bad = n > int(inp.nr_pages[f]) or any(v[k] != (n * s[k]) & mask for k in range(nv))
            answers[i] = ANSWER_SHARED if bad else ANSWER_EXCLUSIVE
            truth[i] = int(any(o != m for o in counts[f]))
    st = ReplayState(
        np.array(mapcount, dtype=np.int64),
        np.array(rmap_vals, dtype=np.uint64).reshape(nf, kmax),
        np.array(answers, dtype=np.int8),
    )
    cnt = np.zeros((nf, inp.subids.shape[1]), dtype=np.int64)
    for f, c in enumerate(counts):
        for m, x in c.items():
            cnt[f, m] = x
    tr = TruthState(cnt, np.count_nonzero(cnt, axis=1).astype(np.int64), np.array(truth, np.int8))
    return st, tr
