"""numba kernels for rmap arithmetic, kept apart from the Python API.

Dtype policy (read before touching a kernel):

* rmap values, sub-IDs, slice indices, ids and word masks are ``uint64``
  everywhere, including every constant (``np.uint64(1)``, never ``1``):
  numba types ``uint64 op int64`` as ``int64`` or ``float64``, and a variable
  that is ``uint64`` on one path and ``int`` on another becomes ``float64``.
* Words narrower than 64 bits are modelled as ``uint64 & mask``: every add,
  subtract and multiply wraps modulo ``2**64`` natively and the mask reduces
  modulo ``2**word_bits``, which is exact because ``2**word_bits`` divides
  ``2**64``. Wrapping is the kernel's ``unsigned long`` semantics, on purpose.
* Mapcounts, signed page counts and array indices are ``int64``; a count
  enters value arithmetic only as ``np.uint64(magnitude)``.
* Check answers are ``int8``: ``-1`` no check, ``0`` exclusive, ``1`` shared.

Every kernel is a plain Python function run by numba with an explicit
signature. Compilation is lazy (first call, then cached on disk with
``cache=True``), so ``import rmaplab`` compiles nothing. With
``NUMBA_DISABLE_JIT=1`` the same bodies run as Python on numpy scalars;
the public wrappers silence numpy's scalar overflow warnings because the
wrap is the modelled behaviour, not an accident.

The slow, obviously-right references these are tested against live in
``tests/naive.py`` (Python ints masked to the word).
"""

from __future__ import annotations

import numpy as np
import numba
from numba import njit

__all__ = ["calc_subids", "mm_subids", "replay", "exhaustive"]

_U1 = np.uint64(1)
_U0 = np.uint64(0)


class _LazyKernel:
    """An explicit-signature ``njit`` kernel compiled on first call."""

    def __init__(self, signature, func):
        self.signature = signature
        self.func = func
        self._dispatcher = None
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    @property
    def dispatcher(self):
        if self._dispatcher is None:
            self._dispatcher = njit(self.signature, cache=True, nogil=True)(self.func)
        return self._dispatcher

    def __call__(self, *args):
        with np.errstate(over="ignore"):
            return self.dispatcher(*args)


def kernel(signature):
    def wrap(func):
        return _LazyKernel(signature, func)

    return wrap


@njit(cache=True, nogil=True)
def _calc_subid(base_pages, index, mask):
    """``calc_rmap_subid(n=base_pages, i=index)`` modulo ``mask + 1``; all uint64."""
    nr = _U0
    mult = _U1
    b = base_pages + _U1
    i = index
    while i != _U0:
        if (i & _U1) != _U0:
            nr = (nr + mult) & mask
        mult = (mult * b) & mask
        i = i >> _U1
    return nr


@kernel("uint64[::1](uint64[::1], uint64, uint64)")
def _calc_subids_kernel(index, base_pages, mask):
    out = np.empty(index.shape[0], dtype=np.uint64)
    for j in range(index.shape[0]):
        out[j] = _calc_subid(base_pages, index[j], mask)
    return out


@kernel("uint64[:, ::1](uint64[::1], int64, int64, uint64, uint64)")
def _mm_subids_kernel(ids, values, bits, base_pages, mask):
    out = np.empty((ids.shape[0], values), dtype=np.uint64)
    imask = (_U1 << np.uint64(bits)) - _U1
    for j in range(ids.shape[0]):
        for k in range(values):
            x = (ids[j] >> np.uint64(k * bits)) & imask
            out[j, k] = _calc_subid(base_pages, x, mask)
    return out


@kernel(
    "void(int64[::1], int64[::1], int64[::1], boolean[::1], int64[::1], int64[::1],"
    " int64[::1], uint64[:, :, ::1], uint64, int64[::1], uint64[:, ::1], int8[::1],"
    " boolean, int64[:, ::1], int64[::1], int8[::1])"
)
def _replay_kernel(
    folio, mm, delta, check, fgroup, pages, gvalues, subids, mask,
    mapcount, values, answers, track, counts, nmapping, truth,
):
    """Replay map/unmap/check operations, one add per value per operation.

    ``subids[g, m, k]`` is sub-ID ``k`` of dense mm ``m`` in group ``g``.
    Map of ``c`` pages: ``values[f, k] += c * subid``, ``mapcount[f] += c``;
    unmap subtracts. The check is ``__folio_large_mapped_shared``: shared if
    ``mapcount > folio_nr_pages``, else exclusive iff every
    ``values[f, k] == mapcount * subid`` modulo the word. With ``track`` the
    ground truth per check is written to ``truth`` (1: another mm maps).
    """
    for i in range(folio.shape[0]):
        f = folio[i]
        m = mm[i]
        g = fgroup[f]
        nv = gvalues[g]
        d = delta[i]
        if d != 0:
            if d > 0:
                c = np.uint64(d)
                for k in range(nv):
                    values[f, k] = (values[f, k] + c * subids[g, m, k]) & mask
            else:
                c = np.uint64(-d)
                for k in range(nv):
                    values[f, k] = (values[f, k] - c * subids[g, m, k]) & mask
            mapcount[f] += d
            if track:
                before = counts[f, m]
                after = before + d
                counts[f, m] = after
                if before == 0 and after != 0:
                    nmapping[f] += 1
                elif before != 0 and after == 0:
                    nmapping[f] -= 1
        if check[i]:
            n = mapcount[f]
            shared = np.int8(0)
            if n > pages[f]:
                shared = np.int8(1)
            else:
                un = np.uint64(n)
                for k in range(nv):
                    if values[f, k] != ((un * subids[g, m, k]) & mask):
                        shared = np.int8(1)
                        break
            answers[i] = shared
            if track:
                others = nmapping[f]
                if counts[f, m] != 0:
                    others -= 1
                truth[i] = np.int8(1) if others > 0 else np.int8(0)


@kernel("int64[::1](uint64[:, ::1], int64, int64)")
def _exhaustive_kernel(subids, word_bits, max_depth):
    """Brute force, no cleverness: for every victim X (row of ``subids``), a
    breadth-first search over the joint state of all K rmap values (packed,
    ``K * word_bits`` bits) where one step is "one more mapping by some mm
    m != X", i.e. adds ``subid(m) - subid(X)`` to every value modulo the word.
    Returns, per victim, the fewest steps ``t >= 1`` that bring every value
    back to ``mapcount * subid(X)`` (state 0), or -1 if none within
    ``max_depth`` steps.
    """
    n_ids = subids.shape[0]
    nv = subids.shape[1]
    wb = np.uint64(word_bits)
    mask = (_U1 << wb) - _U1
    n_states = 1 << (nv * word_bits)
    depth = np.empty(n_states, dtype=np.int32)
    queue = np.empty(n_states, dtype=np.uint64)
    gens = np.empty((n_ids, nv), dtype=np.uint64)
    out = np.full(n_ids, -1, dtype=np.int64)
    for x in range(n_ids):
        for m in range(n_ids):
            for k in range(nv):
                gens[m, k] = (subids[m, k] - subids[x, k]) & mask
        depth[:] = -1
        depth[0] = 0
        queue[0] = _U0
        head = 0
        tail = 1
        found = -1
        while head < tail and found < 0:
            st = queue[head]
            head += 1
            dcur = depth[np.int64(st)]
            if dcur >= max_depth:
                break
            for m in range(n_ids):
                if m == x:
                    continue
                nxt = _U0
                for k in range(nv):
                    sh = np.uint64(k) * wb
                    comp = ((st >> sh) & mask) + gens[m, k]
                    nxt |= (comp & mask) << sh
                if nxt == _U0:
                    found = dcur + 1
                    break
                ni = np.int64(nxt)
                if depth[ni] < 0:
                    depth[ni] = dcur + 1
                    queue[tail] = nxt
                    tail += 1
        out[x] = found
    return out


def exhaustive(subids: np.ndarray, word_bits: int, max_depth: int) -> np.ndarray:
    """Run :func:`_exhaustive_kernel` (rows of ``subids`` = ids 1..max_id)."""
    return _exhaustive_kernel(np.ascontiguousarray(subids, dtype=np.uint64), int(word_bits), int(max_depth))


def word_mask(word_bits: int) -> np.uint64:
    return np.uint64((1 << int(word_bits)) - 1)


def calc_subids(index: np.ndarray, base_pages: int, word_bits: int) -> np.ndarray:
    """``calc_rmap_subid`` over a ``uint64`` array of indices (no validation)."""
    return _calc_subids_kernel(
        np.ascontiguousarray(index, dtype=np.uint64), np.uint64(base_pages), word_mask(word_bits)
    )


def mm_subids(ids: np.ndarray, values: int, bits: int, base_pages: int, word_bits: int) -> np.ndarray:
    """Sub-IDs (shape ``(len(ids), values)``) of ``uint64`` ids (no validation)."""
    return _mm_subids_kernel(
        np.ascontiguousarray(ids, dtype=np.uint64),
        int(values),
        int(bits),
        np.uint64(base_pages),
        word_mask(word_bits),
    )


def replay(*args) -> None:
    """Run the replay kernel on validated, correctly typed arrays."""
    _replay_kernel(*args)


def jit_enabled() -> bool:
    return not numba.config.DISABLE_JIT
