"""Sub-ID arithmetic: ``calc_rmap_subid`` and the sub-IDs of an mm.

Kernel semantics (WIP v1, ``mm/rmap_id.c``)::

    static unsigned long calc_rmap_subid(unsigned int n, unsigned int i)
    {
            unsigned long nr = 0, mult = 1;

            while (i) {
                    if (i & 1)
                            nr += mult;
                    mult *= (n + 1);
                    i >>= 1;
            }
            return nr;
    }

i.e. the binary digits of ``i`` read as digits in base ``n + 1``; arithmetic
is on an ``unsigned long`` and so wraps modulo ``2**word_bits``. The Python
functions here compute on Python ints and mask to the word on purpose; the
numpy/numba functions return ``uint64`` arrays holding the same masked words.

Value ``i`` of an mm with rmap ID ``id`` uses the slice
``(id >> (i*B)) & (2**B - 1)`` and the group's base ``P_g``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .config import ConfigError, RmapConfig, _check_int
from .validate import BASE_PAGES_RANGE, SUBID_BITS_RANGE, SUBID_WORD_BITS_RANGE

__all__ = [
    "calc_rmap_subid",
    "id_slices",
    "mm_subids",
    "subid_digits",
    "subid_table",
    "subid_table_array",
    "subids_array",
]


def _check_word_bits(word_bits) -> int:
    return _check_int("word_bits", word_bits, *SUBID_WORD_BITS_RANGE)


def calc_rmap_subid(base_pages: int, index: int, word_bits: int = 64) -> int:
    """The kernel's ``calc_rmap_subid(n=base_pages, i=index)`` modulo ``2**word_bits``.

    ``base_pages`` is ``P_g`` (the kernel's ``n``); the digit base is ``P_g + 1``.
    """
    base_pages = _check_int("base_pages", base_pages, *BASE_PAGES_RANGE)
    index = _check_int("index", index, 0, (1 << 64) - 1)
    word_bits = _check_word_bits(word_bits)
    mask = (1 << word_bits) - 1
    nr, mult = 0, 1
    while index:
        if index & 1:
            nr = (nr + mult) & mask
        mult = (mult * (base_pages + 1)) & mask
        index >>= 1
    return nr


def id_slices(mm_id: int, nr_values: int, bits: int) -> list[int]:
    """Cut an rmap ID into ``nr_values`` slices of ``bits`` bits, lowest first."""
    nr_values = _check_int("nr_values", nr_values, 1, 64)
    bits = _check_int("bits", bits, 1, 64)
    # an id wider than the slices would silently lose its high bits
    mm_id = _check_int("mm id", mm_id, 0, (1 << (nr_values * bits)) - 1)
    mask = (1 << bits) - 1
    return [(mm_id >> (i * bits)) & mask for i in range(nr_values)]


def mm_subids(config: RmapConfig, order: int, mm_id: int) -> list[int]:
    """The K sub-IDs of the mm with rmap ID ``mm_id`` for a folio of ``order``."""
    cfg = config
    g = cfg.group_for(order)
    mm_id = cfg.check_id(mm_id)
    return [
        calc_rmap_subid(g.base_pages, x, cfg.word_bits)
        for x in id_slices(mm_id, g.nr_values, g.bits)
    ]


def subid_table(base_pages: int, bits: int, word_bits: int = 64) -> list[int]:
    """``calc_rmap_subid(base_pages, i)`` for ``i in 0..2**bits-1``, as the
    kernel's lookup tables ``rmap_subids_4/5/6`` store them."""
    bits = _check_int("bits", bits, *SUBID_BITS_RANGE)
    return [calc_rmap_subid(base_pages, i, word_bits) for i in range(1 << bits)]


def subid_digits(value: int, base_pages: int, ndigits: int | None = None) -> list[int]:
    """Digits of a non-negative integer in base ``P_g + 1``, lowest first.

    Useful to show an rmap value (or a sum) as per-bit counters.
    """
    value = _check_int("value", value, 0)
    base = _check_int("base_pages", base_pages, 1) + 1
    out: list[int] = []
    while value or (ndigits is not None and len(out) < ndigits):
        value, d = divmod(value, base)
        out.append(d)
        if ndigits is None and not value:
            break
    return out or [0]


# -- numpy / numba -------------------------------------------------------


def _as_index_array(a, name: str, hi: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            arr = arr.astype(np.uint64)
        else:
            raise ConfigError(f"{name} must be integers, got dtype {arr.dtype}")
    if arr.size:
        lo_v, hi_v = int(arr.min()), int(arr.max())
        if lo_v < 0 or hi_v > hi:
            bad = lo_v if lo_v < 0 else hi_v
            raise ConfigError(f"{name} holds {bad}: allowed range [0, {hi}]")
    return arr.astype(np.uint64)


def subid_table_array(base_pages: int, bits: int, word_bits: int = 64) -> np.ndarray:
    """:func:`subid_table` as a ``uint64`` array, computed by the numba kernel."""
    from ._kernels.subid import SubidInputs, subid_words

    base_pages = _check_int("base_pages", base_pages, *BASE_PAGES_RANGE)
    bits = _check_int("bits", bits, *SUBID_BITS_RANGE)
    word_bits = _check_word_bits(word_bits)
    idx = np.arange(1 << bits, dtype=np.uint64)
    # an index is an id of one 64-bit slice
    return subid_words(SubidInputs(idx, 1, 64, base_pages, word_bits))[:, 0]


def subids_array(config: RmapConfig, order: int, mm_ids: ArrayLike) -> np.ndarray:
    """Sub-IDs of many mms: ``uint64`` array of shape ``(len(mm_ids), K)``."""
    from ._kernels.subid import SubidInputs, subid_words

    cfg = config
    g = cfg.group_for(order)
    arr = _as_index_array(mm_ids, "mm_ids", cfg.max_id)
    if arr.size and int(arr.min()) < 1:
        raise ConfigError(f"mm_ids holds 0: allowed range [1, {cfg.max_id}]")
    return subid_words(SubidInputs(arr.ravel(), g.nr_values, g.bits, g.base_pages, cfg.word_bits))
