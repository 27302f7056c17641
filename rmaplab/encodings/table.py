"""The ``table`` family: any per-slice weight table ``w[v]``.

One shared table or one per slice; covers PDEP bit deposit (Nadav Amit's
suggestion in the thread: slice bit j lands at bit ``j * digit_bits``, i.e.
digits in base ``2**digit_bits``, as a lookup table), random tables, search
results, and the quadratic tables ``w[s] = s + (s*s << k)`` of the C bench
(:func:`quadratic_table` states their certificate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..config import ConfigError, _check_int
from .base import (
    GOLDEN,
    MAX_TABLE_BITS,
    BenchSpec,
    Encoding,
    Family,
    check_widths,
    register,
    slices_for,
    splitmix64,
)
from .digits import _ks, series_slices

__all__ = ["pdep", "pdep_table", "quadratic_table", "table"]


def table(
    id_bits: int,
    word_bits: int,
    tables: Sequence[int] | Sequence[Sequence[int]],
    bits: int | None = None,
    label: str = "given",
    digit_bits: int | None = None,
) -> Encoding:
    """Per-slice weight tables: ``tables`` is one table (list of ``2**bits``
    ints, shared by every slice) or a list of tables, one per slice."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    # one table if the first item is an int, else a table per slice (mypy cannot
    # narrow a sequence by its first item, hence the casts)
    if len(tables) and isinstance(tables[0], (int, np.integer)):
        tabs = [[int(x) for x in cast("Sequence[int]", tables)]]
    else:
        tabs = [[int(x) for x in cast("Sequence[int]", t)] for t in tables]
    if not tabs or not tabs[0]:
        raise ConfigError("tables must hold at least one non-empty table")
    n = len(tabs[0])
    if n & (n - 1) or n < 2:
        raise ConfigError(f"a table has {n} entries: allowed a power of two >= 2")
    tb = n.bit_length() - 1
    bits = tb if bits is None else _check_int("bits", bits, 1, tb)
    if bits > id_bits:
        raise ConfigError(f"table of {n} entries is wider than id_bits={id_bits}")
    k = -(-id_bits // bits)
    if len(tabs) not in (1, k):
        raise ConfigError(f"tables has {len(tabs)} tables: allowed 1 or one per slice ({k})")
    for t in tabs:
        if len(t) != n:
            raise ConfigError("every table must have the same number of entries")
        for x in t:
            _check_int("table entry", x, 0, (1 << 64) - 1)
    return Encoding(
        "table",
        id_bits,
        word_bits,
        bits,
        tuple(range(k)),
        (("tables", tuple(tuple(t) for t in tabs)), ("label", label))
        + ((("digit_bits", digit_bits),) if digit_bits else ()),
        name="table",
    )


def pdep_table(bits: int, digit_bits: int, word_bits: int) -> list[int]:
    """PDEP of every ``bits``-bit value: bit j lands at bit ``j * digit_bits``
    (modulo ``2**word_bits``), built with numpy over all values at once."""
    v = np.arange(1 << bits, dtype=np.uint64)
    out = np.zeros(1 << bits, dtype=np.uint64)
    for j in range(bits):
        shift = j * digit_bits
        if shift < 64:  # bits deposited at or above bit 64 vanish modulo 2**64
            out |= ((v >> np.uint64(j)) & np.uint64(1)) << np.uint64(shift)
    mask = (1 << word_bits) - 1
    return [int(x) & mask for x in out]


def pdep(id_bits: int, word_bits: int, bits: int, digit_bits: int) -> Encoding:
    """PDEP bit deposit (Nadav Amit's suggestion in the thread): slice bit j
    lands at bit ``j * digit_bits``, i.e. digits in base ``2**digit_bits``,
    as a lookup table."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    bits = slices_for(id_bits, None, bits)
    digit_bits = _check_int("digit_bits", digit_bits, 1, 63)
    if bits > MAX_TABLE_BITS:
        raise ConfigError(f"bits={bits} is too wide for a table: allowed <= {MAX_TABLE_BITS}")
    t = pdep_table(bits, digit_bits, word_bits)
    return table(
        id_bits, word_bits, t, bits, label=f"PDEP, base 2^{digit_bits}", digit_bits=digit_bits
    )


def quadratic_table(bits: int, word_bits: int) -> tuple[int, int]:
    """``(pages, k)``: the table ``w[s] = s + s**2 * 2**k`` (mod ``2**W``),
    indexed by the whole ``bits``-bit slice value, is proven safe for every
    folio of at most ``pages`` pages; ``k`` maximises ``pages``.

    Certificate (exact): the checking mm X maps at least one page, so the
    other mappings number ``sum c <= P - 1``. The check passes in this value
    iff ``A + B * 2**k == 0 (mod 2**W)`` with ``A = sum c (s - x)`` and
    ``B = sum c (s**2 - x**2)``. If ``(P - 1) * (2**bits - 1) < 2**k`` then
    ``|A| < 2**k`` and ``A == 0 (mod 2**k)`` give ``A = 0``; if ``(P - 1) *
    (2**bits - 1)**2 < 2**(W - k)`` the same gives ``B = 0``. Then
    ``sum c (s - x)**2 = B - 2 x A = 0``: every other mapping has X's slice
    (the points ``(s, s**2)`` are in convex position). The pigeonhole bound
    of :func:`rmaplab.verify.frontier_pages` does not apply: it covers only
    sub-IDs linear in the slice's bits.
    """
    smax = (1 << bits) - 1
    best = (1, 0)
    for k in range(1, word_bits):
        pages = 1 + min(((1 << k) - 1) // smax, ((1 << (word_bits - k)) - 1) // (smax * smax))
        if pages > best[0]:
            best = (pages, k)
    return best


def _bench_quadratic(k: int, id_bits: int) -> dict:
    from ..config import bits_per_value

    bits = bits_per_value(id_bits, k)
    # the shift that maximises the certified folio in 64-bit words; every
    # shift costs the same
    return {"bits": bits, "shift": quadratic_table(bits, 64)[1]}


def _bench_random(k: int, id_bits: int) -> dict:
    from ..config import bits_per_value

    bits = bits_per_value(id_bits, k)
    # fixed pseudo-random words: the contents do not change the cost
    return {
        "bits": bits,
        "table": tuple(splitmix64((1 << 32) + s + GOLDEN) for s in range(1 << bits)),
    }


class Table(Family):
    name = "table"
    options = ("--slice-bits", "--base", "--table")

    def check_options(self, given: dict[str, Any]) -> None:
        base = given.get("--base")
        if base is None:
            return
        if given.get("--table") is not None:
            raise ConfigError(
                f"--base={base} does not apply to an explicit --table: allowed without it"
            )
        if base & (base - 1):
            raise ConfigError(
                f"--base={base} is not a power of 2: allowed a power of 2 (the table's "
                "digit base, a bit deposit)"
            )

    description = "any per-slice weight table w[v] (PDEP bit deposit by default)"
    shorthand = "table family: PDEP bit deposit of the digits' slices as a lookup table"
    paths = (
        "proof where the verifier proves the order safe (no wrap and convex slice "
        "points, breadth-first or lattice search); exact enumeration on small widths"
    )
    rank = 1

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        tabs = enc.param("tables")
        return tabs[k % len(tabs)][v]

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        bits, pg = series_slices(
            id_bits, word_bits, max_order, order, opts.get("values"), opts.get("bits")
        )
        base = opts.get("base")
        db = (base.bit_length() - 1) if base else pg.bit_length()
        return pdep(id_bits, word_bits, bits, db)

    def describe(self, enc: Encoding) -> str:
        return (
            f"table ({enc.param('label', 'given')}): {enc.slice_bits}-bit slices, "
            f"{enc.nr_values} x {enc.word_bits}-bit words"
        )

    def candidates(self, id_bits, word_bits, order):
        for _k, b in _ks(id_bits):
            if b <= MAX_TABLE_BITS:
                yield pdep(id_bits, word_bits, b, max(order, 1))

    def per_slice_problem(self, enc: Encoding) -> bool:
        return len(enc.param("tables")) > 1

    def points(self, enc: Encoding, s: int, vals: list[int]):
        if not enc.param("digit_bits"):
            return None
        base = 1 << enc.param("digit_bits")
        nb = enc.slice_width(s)
        return [(base, [tuple((v >> j) & 1 for j in range(nb)) for v in vals])]

    def table_lookups(self, enc: Encoding) -> int:
        return enc.nr_values  # a table always looks up

    def bench_specs(self) -> list[BenchSpec]:
        return [
            BenchSpec(
                "table-quadratic",
                "quadratic",
                "quadratic",
                (3, 2),
                _bench_quadratic,
                "table-quadratic: s + (s*s << k)",
                rank=2,
            ),
            BenchSpec("table", "table", "table", (3, 2), _bench_random, "table: w[s]", rank=3),
        ]

    def bench_case_for(self, k, detail, addends):
        return ("table", k) if k >= 2 else None


register(Table())
