"""Encodings: how an mm id becomes the K per-mapping addends of the rmap values.

An :class:`Encoding` maps an mm id to ``K`` addends, one per rmap value, each
an unsigned ``word_bits``-bit word. Mapping ``c`` pages of a folio into mm M
adds ``c * addend_k(M)`` to value ``k`` (modulo ``2**word_bits``) and ``c`` to
the total mapcount; unmapping subtracts. The check for mm X is the posted
one (``__folio_large_mapped_shared``): with mapcount ``n``, "exclusive" iff
``n <= folio_nr_pages`` and every value equals ``n * addend_k(X)`` modulo the
word.

Every family here has the same shape: the id is cut into slices of
``slice_bits`` bits (slice ``s`` is ``(id >> (s * slice_bits)) & mask``; one
slice of ``id_bits`` bits is the whole id) and word ``k`` is a function of
one slice, ``word_slice[k]``:

* ``digits``: the posted sub-IDs, ``calc_rmap_subid``: the slice's binary
  digits read in base ``base`` (the series uses ``base = P_g + 1``);
* ``table``: any per-slice weight table ``w[v]``, one shared table or one
  per word (covers PDEP bit deposit, random tables, search results);
* ``moments``: power sums. Unpacked (default): one word per power and slice,
  ``v**p``; the default is the whole id in two words, the sum of ids and the
  sum of squared ids (the 1-sparse test of streaming algorithms). Packed:
  one word per slice, ``sum_i v**p_i * base**i``;
* ``raw-id``: the id itself in one word;
* ``hash64``: splitmix64 of the id (plus ``k`` times the golden step for word
  ``k``), the same hash :mod:`rmaplab.collide` uses;
* ``bit-counters``: one word per id bit holding that bit (exact per-bit
  counters; ``digits`` with one bit per slice).

The folio model under an encoding is :class:`rmaplab.folio.Folio` (which
takes an encoding or a configuration); :func:`replay` maps a counterexample
into one, so any counterexample replays to a wrong "exclusive" with no other
input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .config import ID_BITS_RANGE, MAX_ORDER, ConfigError, RmapConfig, _check_int, word_bytes
from .validate import WORD_BITS_RANGE as _WORD_BITS_RANGE

if TYPE_CHECKING:
    from .folio import CheckResult

__all__ = [
    "FAMILIES",
    "GOLDEN",
    "Encoding",
    "bit_counters",
    "default_encoding",
    "digits",
    "from_config",
    "hash64",
    "moments",
    "packed_base",
    "pdep",
    "raw_id",
    "replay",
    "splitmix64",
    "table",
]

FAMILIES = {
    "digits": "binary digits of id slices read in a base (the posted calc_rmap_subid)",
    "table": "any per-slice weight table w[v] (PDEP bit deposit by default)",
    "moments": "power sums: sum of ids and sum of squared ids (or of slices, packed)",
    "raw-id": "the raw id added to one value",
    "hash64": "splitmix64 of the id, one value",
    "bit-counters": "one counter per id bit (exact)",
}

#: splitmix64's step; word k of ``hash64`` hashes ``id + k * GOLDEN``.
GOLDEN = 0x9E3779B97F4A7C15
_M64 = (1 << 64) - 1
#: Word widths an encoding may use (numba kernels hold words in uint64); the
#: one definition is rmaplab.validate's, re-exported here.
WORD_BITS_RANGE = _WORD_BITS_RANGE
#: Largest table the encoding keeps (2**16 entries per word).
MAX_TABLE_BITS = 16


def splitmix64(z: int) -> int:
    """splitmix64's output function on a 64-bit int (a bijection of 64-bit words)."""
    z &= _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


@dataclass(frozen=True)
class Encoding:
    """A resolved encoding: widths, slices, and what each word holds.

    ``params`` is family specific and hashable: ``base`` (digits, packed
    moments), ``tables`` (table: a tuple of tuples), ``powers`` (moments).
    """

    family: str
    id_bits: int
    word_bits: int
    slice_bits: int
    word_slice: tuple[int, ...]
    params: tuple = ()
    name: str = ""
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ConfigError(f"family={self.family!r} is unknown: allowed {', '.join(FAMILIES)}")
        _check_int("id_bits", self.id_bits, *ID_BITS_RANGE)
        _check_int("word_bits", self.word_bits, *WORD_BITS_RANGE)
        _check_int("slice_bits", self.slice_bits, 1, self.id_bits)
        if not self.word_slice:
            raise ConfigError("an encoding needs at least one word")
        for s in self.word_slice:
            _check_int("word_slice", s, 0, self.slices - 1)
        if set(self.word_slice) != set(range(self.slices)):
            raise ConfigError(
                f"every id slice must feed a word: slices 0..{self.slices - 1}, "
                f"words read {sorted(set(self.word_slice))}"
            )
        if not self.name:
            object.__setattr__(self, "name", self.family)

    # -- shape -------------------------------------------------------------
    @property
    def nr_values(self) -> int:
        """K: rmap values (words) per folio."""
        return len(self.word_slice)

    @property
    def slices(self) -> int:
        return -(-self.id_bits // self.slice_bits)

    def slice_width(self, s: int) -> int:
        """Bits of slice ``s`` (the top slice may be narrower)."""
        return min(self.slice_bits, self.id_bits - s * self.slice_bits)

    @property
    def max_id(self) -> int:
        return (1 << self.id_bits) - 1

    @property
    def mask(self) -> int:
        return (1 << self.word_bits) - 1

    @property
    def bytes(self) -> int:
        """Bytes of rmap values per folio (mapcount and seqcount excluded):
        K words of :func:`rmaplab.config.word_bytes` each."""
        return self.nr_values * word_bytes(self.word_bits)

    def param(self, key: str, default: Any = None) -> Any:
        """The family parameter ``key`` (see ``params``), else ``default``."""
        return dict(self.params).get(key, default)

    def slice_of(self, mm_id: int, s: int) -> int:
        return (mm_id >> (s * self.slice_bits)) & ((1 << self.slice_width(s)) - 1)

    def slice_values(self, s: int) -> range:
        """Slice values mms can have in slice ``s``. With one slice the slice
        is the whole id, which is never 0; with several, another slice can be
        set to make any value of this one belong to a valid id."""
        if self.slices == 1:
            return range(1, self.max_id + 1)
        return range(0, 1 << self.slice_width(s))

    # -- addends -----------------------------------------------------------
    def word_addend(self, k: int, v: int) -> int:
        """Addend of word ``k`` for slice value ``v`` (Python int, masked)."""
        m = self.mask
        f = self.family
        if f in ("digits", "bit-counters"):
            base = self.param("base", 2)
            out, mult = 0, 1
            while v:
                if v & 1:
                    out = (out + mult) & m
                mult = (mult * base) & m
                v >>= 1
            return out
        if f == "table":
            tabs = self.param("tables")
            t = tabs[k % len(tabs)]
            return t[v] & m
        if f == "moments":
            powers = self.param("powers", (1, 2))
            base = self.param("base")
            if base is None:  # unpacked: word k holds power powers[k % len]
                return pow(v, powers[k % len(powers)], 1 << self.word_bits)
            return sum(pow(v, p) * base**i for i, p in enumerate(powers)) & m
        if f == "raw-id":
            return v & m
        if f == "hash64":
            return splitmix64(v + k * GOLDEN) & m
        raise AssertionError(f)  # pragma: no cover

    def addends(self, mm_id: int) -> list[int]:
        """The K addends of mm ``mm_id`` (Python ints; validates the id)."""
        mm_id = _check_int("mm id", mm_id, 1, self.max_id)
        return [self.word_addend(k, self.slice_of(mm_id, s)) for k, s in enumerate(self.word_slice)]

    def words_of_slice(self, s: int) -> list[int]:
        return [k for k, t in enumerate(self.word_slice) if t == s]

    def table_of(self, k: int) -> list[int]:
        """Word ``k``'s addend for every slice value 0..2**bits-1 (small slices)."""
        s = self.word_slice[k]
        if self.slice_width(s) > MAX_TABLE_BITS:
            raise ConfigError(
                f"slice_bits={self.slice_width(s)} is too wide to tabulate: allowed "
                f"<= {MAX_TABLE_BITS}"
            )
        key = ("table", k)
        if key not in self._cache:
            self._cache[key] = [self.word_addend(k, v) for v in range(1 << self.slice_width(s))]
        return self._cache[key]

    def describe(self) -> str:
        f = self.family
        w = f"{self.nr_values} x {self.word_bits}-bit words"
        if f == "digits":
            return (
                f"digits: {self.slices} slices of {self.slice_bits} id bits, "
                f"base {self.param('base')}, {w}"
            )
        if f == "table":
            return f"table ({self.param('label', 'given')}): {self.slice_bits}-bit slices, {w}"
        if f == "moments":
            p = self.param("powers", (1, 2))
            what = "id" if self.slices == 1 else f"{self.slice_bits}-bit slice"
            if self.param("base") is None:
                return f"moments: sums of {what}^{p}, one word each, {w}"
            return f"moments packed: {what}^{p} in base {self.param('base')}, {w}"
        return f"{f}: {w}"

    def to_json(self) -> dict:
        d = {
            "family": self.family,
            "name": self.name,
            "id_bits": self.id_bits,
            "word_bits": self.word_bits,
            "nr_values": self.nr_values,
            "slice_bits": self.slice_bits,
        }
        for k, v in self.params:
            if k != "tables":
                d[k] = list(v) if isinstance(v, tuple) else v
        return d


# -- constructors -------------------------------------------------------------


def _widths(id_bits, word_bits) -> tuple[int, int]:
    return (
        _check_int("id_bits", id_bits, *ID_BITS_RANGE),
        _check_int("word_bits", word_bits, *WORD_BITS_RANGE),
    )


def _slices_for(id_bits: int, values: int | None, bits: int | None) -> int:
    if bits is None:
        values = _check_int("values", 1 if values is None else values, 1, id_bits)
        bits = -(-id_bits // values)
    bits = _check_int("bits", bits, 1, id_bits)
    if values is not None and -(-id_bits // bits) != values:
        raise ConfigError(
            f"values={values} and bits={bits} do not cut {id_bits}-bit ids: "
            f"need values = ceil(id_bits / bits) = {-(-id_bits // bits)}"
        )
    return bits


def digits(
    id_bits: int,
    word_bits: int,
    values: int | None = None,
    bits: int | None = None,
    base: int | None = None,
) -> Encoding:
    """The posted sub-IDs: ``calc_rmap_subid`` with digit base ``base``
    (``P_g + 1`` in the series) on ``values`` slices of ``bits`` bits."""
    id_bits, word_bits = _widths(id_bits, word_bits)
    bits = _slices_for(id_bits, values, bits)
    if base is None:
        raise ConfigError("base is required for digits (the series uses P_g + 1)")
    base = _check_int("base", base, 2, 1 << 63)
    k = -(-id_bits // bits)
    return Encoding(
        "digits", id_bits, word_bits, bits, tuple(range(k)), (("base", base),), name="digits"
    )


def from_config(config: RmapConfig, order: int) -> Encoding:
    """The posted scheme as an encoding: ``config``'s group for ``order``
    (K slices of B bits, ``calc_rmap_subid`` in base ``P_g + 1``), so
    ``from_config(cfg, o).addends(x) == mm_subids(cfg, o, x)`` for every id."""
    g = config.group_for(order)
    return digits(config.id_bits, config.word_bits, bits=g.bits, base=g.base)


def bit_counters(id_bits: int, word_bits: int) -> Encoding:
    id_bits, word_bits = _widths(id_bits, word_bits)
    return Encoding(
        "bit-counters", id_bits, word_bits, 1, tuple(range(id_bits)), (("base", 2),), "bit-counters"
    )


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
    id_bits, word_bits = _widths(id_bits, word_bits)
    # one table if the first item is an int, else a table per slice (mypy cannot
    # narrow a sequence by its first item, hence the casts)
    if tables and isinstance(tables[0], int):
        tabs = [list(cast("Sequence[int]", tables))]
    else:
        tabs = [list(cast("Sequence[int]", t)) for t in tables]
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


def pdep(id_bits: int, word_bits: int, bits: int, digit_bits: int) -> Encoding:
    """PDEP bit deposit (Nadav Amit's suggestion in the thread): slice bit j
    lands at bit ``j * digit_bits``, i.e. digits in base ``2**digit_bits``,
    as a lookup table."""
    id_bits, word_bits = _widths(id_bits, word_bits)
    bits = _slices_for(id_bits, None, bits)
    digit_bits = _check_int("digit_bits", digit_bits, 1, 63)
    if bits > MAX_TABLE_BITS:
        raise ConfigError(f"bits={bits} is too wide for a table: allowed <= {MAX_TABLE_BITS}")
    m = (1 << word_bits) - 1
    t = [sum(((v >> j) & 1) << (j * digit_bits) for j in range(bits)) & m for v in range(1 << bits)]
    return table(
        id_bits, word_bits, t, bits, label=f"PDEP, base 2^{digit_bits}", digit_bits=digit_bits
    )


def moments(
    id_bits: int,
    word_bits: int,
    bits: int | None = None,
    powers: Sequence[int] = (1, 2),
    base: int | None = None,
) -> Encoding:
    """Power sums. Default: the whole id, words ``sum c*x`` and ``sum c*x^2``.

    ``bits`` cuts the id into slices (powers of each slice); ``base`` packs
    the powers of one slice into one word as ``sum_i v**p_i * base**i``.
    """
    id_bits, word_bits = _widths(id_bits, word_bits)
    bits = id_bits if bits is None else _check_int("bits", bits, 1, id_bits)
    powers = tuple(_check_int("power", p, 1, 8) for p in powers)
    if len(set(powers)) != len(powers) or not powers:
        raise ConfigError(f"powers={powers} must be distinct and non-empty")
    k = -(-id_bits // bits)
    params: list = [("powers", powers)]
    if base is not None:
        params.append(("base", _check_int("base", base, 2, 1 << 63)))
        ws = tuple(range(k))
    else:
        ws = tuple(s for s in range(k) for _ in powers)
    return Encoding("moments", id_bits, word_bits, bits, ws, tuple(params), name="moments")


def raw_id(id_bits: int, word_bits: int) -> Encoding:
    id_bits, word_bits = _widths(id_bits, word_bits)
    return Encoding("raw-id", id_bits, word_bits, id_bits, (0,), (), "raw-id")


def hash64(id_bits: int, word_bits: int, values: int = 1) -> Encoding:
    id_bits, word_bits = _widths(id_bits, word_bits)
    values = _check_int("values", values, 1, 8)
    return Encoding("hash64", id_bits, word_bits, id_bits, (0,) * values, (), "hash64")


def packed_base(pages: int, slice_bits: int) -> int:
    """Smallest power of two above ``(pages - 1) * (2**slice_bits - 1)``: the
    digit base that keeps a packed slice's first moment carry-free."""
    return max(2, 1 << ((pages - 1) * ((1 << slice_bits) - 1)).bit_length())


def _posted_group(id_bits: int, word_bits: int, max_order: int, order: int):
    """The series' group for ``order``: the posted table where a built-in
    configuration has these widths and covers ``order`` (``wip-v1`` for 24-bit
    ids in 64-bit words), else the series' rule (:func:`derive_config`)."""
    from .config import BUILTIN, derive_config

    for cfg in BUILTIN.values():
        if (cfg.id_bits, cfg.word_bits) == (id_bits, word_bits) and order <= cfg.max_order:
            return cfg.group_for(order)
    return derive_config(id_bits, word_bits, max_order).group_for(order)


def default_encoding(
    family: str, id_bits: int, word_bits: int, max_order: int, order: int | None = None, **opts: Any
) -> Encoding:
    """The encoding a command line means by a family name, for folios up to
    ``max_order`` (the group's largest page count ``P_g = 2**max_order``
    plays the role it plays in the series), used at ``order``.

    * ``digits``: the posted groups (``wip-v1``, ``wip-v1-32bit``) where
      they cover these widths and ``order``, else the series' rule
      (:func:`rmaplab.config.derive_config`): K, B and base ``P_g + 1`` of
      ``order``'s group;
    * ``table``: PDEP, base ``2**(max_order + 1)`` (counts up to P_g fit a
      digit), with the digits' K and B;
    * ``moments``: sum of ids and sum of squared ids, two words;
    * ``raw-id``, ``hash64``, ``bit-counters``.

    ``opts`` override: ``values``, ``bits``, ``base``, ``powers``, ``packed``.
    """
    if family not in FAMILIES:
        raise ConfigError(f"encoding={family!r} is unknown: allowed {', '.join(FAMILIES)}")
    id_bits, word_bits = _widths(id_bits, word_bits)
    max_order = _check_int("max_order", max_order, 0, min(MAX_ORDER, word_bits - 1))
    order = max_order if order is None else _check_int("order", order, 0, max_order)
    values, bits, base = opts.get("values"), opts.get("bits"), opts.get("base")
    if family in ("digits", "table"):
        if values is None and bits is None:
            g = _posted_group(id_bits, word_bits, max_order, order)
            values, bits, pg = g.nr_values, g.bits, g.base_pages
        else:
            pg = 1 << max_order
            bits = _slices_for(id_bits, values, bits)
        if family == "digits":
            return digits(id_bits, word_bits, bits=bits, base=base or pg + 1)
        db = (base.bit_length() - 1) if base else pg.bit_length()
        return pdep(id_bits, word_bits, bits, db)
    if family == "moments":
        powers = tuple(opts.get("powers") or (1, 2))
        if opts.get("packed"):
            b = bits or id_bits
            return moments(
                id_bits, word_bits, b, powers, base or packed_base(1 << max_order, min(b, id_bits))
            )
        return moments(id_bits, word_bits, bits, powers)
    if family == "raw-id":
        return raw_id(id_bits, word_bits)
    if family == "hash64":
        return hash64(id_bits, word_bits, values or 1)
    return bit_counters(id_bits, word_bits)


# -- replaying a counterexample -------------------------------------------------


def replay(enc: Encoding, order: int, counterexample: dict) -> CheckResult:
    """Map every ``[id, count]`` of ``counterexample["mappings"]`` (the
    victim's own entry included) into a :class:`~rmaplab.folio.Folio` of
    ``order`` under ``enc``, then check the victim."""
    from .folio import Folio

    f = Folio(enc, order)
    for mm, c in counterexample["mappings"]:
        f.map(mm, c)
    return f.check(counterexample["victim"])
