"""Sub-ID kernel family: ``calc_rmap_subid`` over arrays of ids.

Entry point: :func:`subid_words` (numba), twin :func:`subid_words_python`
(Python ints). Value ``k`` of an mm with id ``id`` uses the slice
``(id >> (k * bits)) & (2**bits - 1)``; a plain index is ``nr_values=1,
bits=64``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ._jit import kernel, word_mask

__all__ = ["SubidInputs", "calc_subid", "subid_words", "subid_words_python"]

_U0 = np.uint64(0)
_U1 = np.uint64(1)


class SubidInputs(NamedTuple):
    """What :func:`subid_words` computes: the sub-IDs of every id."""

    ids: np.ndarray  # ids or indices, any integer dtype, values in [0, 2**64)
    nr_values: int  # K, sub-IDs per id
    bits: int  # B, slice width (64: the whole id is the index)
    base_pages: int  # P_g, the digit base is P_g + 1
    word_bits: int  # W, the word the sums wrap in


@njit(cache=True, nogil=True)
def calc_subid(base_pages, index, mask):
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


@kernel("uint64[:, ::1](uint64[::1], int64, uint64, uint64, uint64, uint64)")
def _subids_kernel(ids, nr_values, bits, slice_mask, base_pages, mask):
    out = np.empty((ids.shape[0], nr_values), dtype=np.uint64)
    for j in range(ids.shape[0]):
        for k in range(nr_values):
            x = (ids[j] >> (np.uint64(k) * bits)) & slice_mask
            out[j, k] = calc_subid(base_pages, x, mask)
    return out


def _check(inp: SubidInputs) -> tuple[int, int, int, int]:
    nr_values, bits, base, wb = (int(x) for x in inp[1:])
    if not 1 <= nr_values <= 64 or not 1 <= bits <= 64 or (nr_values * bits > 64 and nr_values > 1):
        raise ValueError(f"nr_values={nr_values}, bits={bits}: allowed 1 <= nr_values*bits <= 64")
    if not 0 <= base < 1 << 63 or not 1 <= wb <= 64:
        raise ValueError(f"base_pages={base}, word_bits={wb}: allowed [0, 2**63), [1, 64]")
    return nr_values, bits, base, wb


def subid_words(inp: SubidInputs) -> np.ndarray:
    """Sub-IDs of ``inp.ids``, ``uint64`` array of shape ``(len(ids), nr_values)``.

    Callers validate the ids against their configuration; this checks only
    what the kernel needs (integer ids, widths in range)."""
    nr_values, bits, base, wb = _check(inp)
    ids = np.asarray(inp.ids)
    if ids.size and ids.dtype.kind not in "iu":
        raise ValueError(f"ids must be integers, got dtype {ids.dtype}")
    ids = np.ascontiguousarray(ids.ravel(), dtype=np.uint64)
    return _subids_kernel(
        ids, nr_values, np.uint64(bits), word_mask(bits), np.uint64(base), word_mask(wb)
    )


def subid_words_python(inp: SubidInputs) -> list[list[int]]:
    """:func:`subid_words` on Python ints, the same loop."""
    nr_values, bits, base, wb = _check(inp)
    mask, smask = (1 << wb) - 1, (1 << bits) - 1
    out = []
    for mm_id in (int(x) for x in np.asarray(inp.ids).ravel()):
        row = []
        for k in range(nr_values):
            i, nr, mult = (mm_id >> (k * bits)) & smask, 0, 1
            while i:
                if i & 1:
                    nr = (nr + mult) & mask
                mult = (mult * (base + 1)) & mask
                i >>= 1
            row.append(nr)
        out.append(row)
    return out
