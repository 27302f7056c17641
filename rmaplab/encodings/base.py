"""The :class:`Encoding` object, the :class:`Family` interface and the registry.

An :class:`Encoding` maps an mm id to ``K`` addends, one per rmap value, each
an unsigned ``word_bits``-bit word. Mapping ``c`` pages of a folio into mm M
adds ``c * addend_k(M)`` to value ``k`` (modulo ``2**word_bits``) and ``c`` to
the total mapcount; unmapping subtracts. The check for mm X is the posted
one (``__folio_large_mapped_shared``): with mapcount ``n``, "exclusive" iff
``n <= folio_nr_pages`` and every value equals ``n * addend_k(X)`` modulo the
word.

Every family has the same shape: the id is cut into slices of ``slice_bits``
bits (slice ``s`` is ``(id >> (s * slice_bits)) & mask``; one slice of
``id_bits`` bits is the whole id) and word ``k`` is a function of one slice,
``word_slice[k]``. What a family adds is a :class:`Family` object, registered
once with :func:`register`: its addend body on Python ints, its kernel plan
(one of the rules of :mod:`rmaplab._kernels.codes`, which every numba kernel
interprets), its constructors and defaults, design candidates, certificate
hooks, proof lines, cost facts and C bench cases. Nothing outside
:mod:`rmaplab.encodings` branches on a family's name: it asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._kernels.codes import (
    GOLDEN,
    RULE_CODES,
    RULE_DIGITS,
    RULE_HASH,
    RULE_POWERS,
    RULE_RAW,
    RULE_TABLE,
)
from .._kernels.mix import splitmix64
from ..config import ID_BITS_RANGE, WORD_BITS_RANGE, ConfigError, _check_int, word_bytes

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = [
    "FAMILIES",
    "GOLDEN",
    "MAX_TABLE_BITS",
    "RULE_CODES",
    "RULE_DIGITS",
    "RULE_HASH",
    "RULE_POWERS",
    "RULE_RAW",
    "RULE_TABLE",
    "WORD_BITS_RANGE",
    "BenchSpec",
    "Encoding",
    "Family",
    "KernelPlan",
    "LiveMapping",
    "families",
    "get_family",
    "plan_addend_python",
    "register",
    "splitmix64",
    "table_plan",
    "unregister",
]

#: Largest table an encoding keeps (2**16 entries per word).
MAX_TABLE_BITS = 16

_REGISTRY: dict[str, Family] = {}


class LiveMapping(Mapping):
    """A read-only mapping recomputed from the registry on every access, so
    names registered later (a new family) show up in lists made earlier."""

    def __init__(self, make: Callable[[], Mapping]):
        self._make = make

    def __getitem__(self, key):
        return self._make()[key]

    def __iter__(self):
        return iter(self._make())

    def __len__(self):
        return len(self._make())

    def __repr__(self):
        return repr(dict(self._make()))


def register(family: Family) -> Family:
    """Add ``family`` to the registry (a second registration replaces the first)."""
    if not isinstance(family, Family) or not family.name:
        raise ConfigError(f"family={family!r}: allowed a named rmaplab.encodings.Family")
    _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove family ``name`` from the registry (tests that add a family)."""
    _REGISTRY.pop(name, None)


def get_family(name: str) -> Family:
    """The registered family ``name``; a one-line error lists the allowed names."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(f"family={name!r} is unknown: allowed {', '.join(_REGISTRY)}") from None


def families() -> list[Family]:
    """Every registered family by ``rank``, then registration order (the
    design table's order)."""
    return sorted(_REGISTRY.values(), key=lambda f: f.rank)


#: family name -> one-line description, live.
FAMILIES: Mapping[str, str] = LiveMapping(lambda: {f.name: f.description for f in families()})


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
        get_family(self.family)
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
    def fam(self) -> Family:
        """The registered :class:`Family` of this encoding."""
        return get_family(self.family)

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
        return self.fam.word_addend(self, k, v) & self.mask

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

    def plan(self) -> KernelPlan:
        """How the numba kernels compute this encoding's addends (cached)."""
        if "plan" not in self._cache:
            self._cache["plan"] = self.fam.plan(self)
        return self._cache["plan"]

    def describe(self) -> str:
        return self.fam.describe(self)

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


# -- kernel plans ----------------------------------------------------------------


class KernelPlan(NamedTuple):
    """An encoding's addends in the terms every numba kernel understands.

    ``rule`` is one of :mod:`rmaplab._kernels.codes`' ``RULE_*``; word ``k``
    reads slice ``word_slice[k]`` of ``slice_bits`` bits and turns slice value
    ``v`` into its addend:

    * ``RULE_DIGITS``: ``v``'s binary digits read in base ``base``
      (``calc_rmap_subid``);
    * ``RULE_RAW``: the id itself (one slice);
    * ``RULE_HASH``: ``splitmix64(id + k * GOLDEN)``;
    * ``RULE_TABLE``: ``tables[k, v]`` (``uint64[K, 2**slice_bits]``);
    * ``RULE_POWERS``: ``v ** powers[k % J]`` (``pack_base == 0``) or
      ``sum_j v ** powers[j] * pack_base ** j`` (packed), modulo ``2**64``.
    """

    rule: int
    slice_bits: int
    word_slice: tuple[int, ...]
    base: int = 0
    tables: np.ndarray | None = None
    powers: tuple[int, ...] = (1,)
    pack_base: int = 0


def table_plan(enc: Encoding) -> KernelPlan:
    """Any encoding with slices of at most :data:`MAX_TABLE_BITS` bits as a
    lookup table built from its Python addends."""
    tables = np.zeros((enc.nr_values, 1 << enc.slice_bits), dtype=np.uint64)
    for k in range(enc.nr_values):
        t = enc.table_of(k)
        tables[k, : len(t)] = np.array(t, dtype=np.uint64)
    return KernelPlan(RULE_TABLE, enc.slice_bits, enc.word_slice, tables=tables)


def plan_addend_python(plan: KernelPlan, mm_id: int, k: int, word_bits: int) -> int:
    """Word ``k``'s addend of ``mm_id`` under ``plan``, on Python ints: the
    reference the kernels are tested against."""
    mask = (1 << word_bits) - 1
    if plan.rule == RULE_RAW:
        return mm_id & mask
    if plan.rule == RULE_HASH:
        return splitmix64(mm_id + k * GOLDEN) & mask
    v = (mm_id >> (plan.word_slice[k] * plan.slice_bits)) & ((1 << plan.slice_bits) - 1)
    if plan.rule == RULE_DIGITS:
        out, mult = 0, 1
        while v:
            if v & 1:
                out = (out + mult) & mask
            mult = (mult * plan.base) & mask
            v >>= 1
        return out
    if plan.rule == RULE_TABLE:
        assert plan.tables is not None
        return int(plan.tables[k, v]) & mask
    if plan.rule == RULE_POWERS:
        pw = plan.powers
        if plan.pack_base == 0:
            return pow(v, pw[k % len(pw)], 1 << word_bits)
        return sum(v**p * plan.pack_base**j for j, p in enumerate(pw)) & mask
    raise ConfigError(f"rule={plan.rule} is unknown")


# -- bench cases -------------------------------------------------------------------


@dataclass(frozen=True)
class BenchSpec:
    """A C bench case a family offers to ``bench-atomics``: the C addend rule
    per update and for the per-mm cache (``rmaplab.atomics.KERNEL_*``), the K
    measured by default, and ``make(k, id_bits)``: the case's fields
    (``bits``, ``table``, ``shift``, ``base_pages``) as keyword arguments for
    the bench's ``id_bits``-bit rmap IDs."""

    name: str
    kernel: str  # C rule per update: table, powers, quadratic
    cache_kernel: str  # C rule of the per-mm cache: the same, or calc_rmap_subid
    default_values: tuple[int, ...]
    make: Callable[[int, int], dict]
    #: what the update path computes, for the bench's text
    text: str = ""
    #: place in bench listings (ties keep the registry's order)
    rank: int = 100


# -- the family interface -------------------------------------------------------------


class Family:
    """Everything the lab knows about one encoding family.

    Subclass it, set ``name`` and ``description``, implement
    :meth:`word_addend` and :meth:`default`, override what applies, then
    :func:`register` an instance. Defaults: a table plan for slices of at
    most 16 bits, no design candidates, the generic slice certificates only,
    addends kept per mm (no table lookup at update time), no C bench case.
    """

    name: str = ""
    description: str = ""
    #: collide --list: what the family shorthand means
    shorthand: str = ""
    #: collide's exact / analytic paths for this family (FAMILY_PATHS)
    paths: str = "proof where the verifier proves the order safe; exact enumeration on small widths"
    #: the family's verdicts name the digit base (EncVerdict.base_pages)
    reports_base: bool = False
    #: place in listings and the design table (stable sort: ties keep registration order)
    rank: int = 100
    #: the command line's family options it takes (``verify --encoding NAME``);
    #: any other is refused, not ignored
    options: tuple[str, ...] = ()

    def check_options(self, given: dict[str, Any]) -> None:
        """Refuse a combination of this family's options that means nothing
        (``given``: option -> value, ``None`` where absent). Default: any."""

    # -- addends ---------------------------------------------------------------
    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        """Addend of word ``k`` for slice value ``v`` (Python int; masked by the caller)."""
        raise NotImplementedError

    def plan(self, enc: Encoding) -> KernelPlan:
        """The numba kernels' plan (default: tabulate slices of <= 16 bits)."""
        if enc.slice_bits > MAX_TABLE_BITS:
            raise ConfigError(
                f"slice_bits={enc.slice_bits}: family {self.name!r} has no kernel plan for "
                f"slices wider than {MAX_TABLE_BITS} bits (allowed <= {MAX_TABLE_BITS})"
            )
        return table_plan(enc)

    def default(
        self, id_bits: int, word_bits: int, max_order: int, order: int, **opts: Any
    ) -> Encoding:
        """The encoding a command line means by the family name (see
        :func:`rmaplab.encodings.names.default_encoding`)."""
        raise NotImplementedError

    def describe(self, enc: Encoding) -> str:
        return f"{enc.family}: {enc.nr_values} x {enc.word_bits}-bit words"

    # -- design -------------------------------------------------------------------
    def candidates(self, id_bits: int, word_bits: int, order: int) -> Iterable[Encoding]:
        """Encodings to try at ``order``, fewest values first."""
        return ()

    # -- certificate ------------------------------------------------------------------
    def verify(self, enc: Encoding, order: int, node_limit: int) -> EncVerdict | None:
        """A whole-encoding verdict, replacing the slice searches (None: use them)."""
        return None

    def per_slice_problem(self, enc: Encoding) -> bool:
        """True when slices of equal width see different word functions."""
        return False

    def points(self, enc: Encoding, s: int, vals: list[int]) -> list | None:
        """Per word of slice ``s``: ``(base or None, [coordinates per value])``
        for the no-wrap / convex-position certificate, or None."""
        return None

    def closed_certificate(self, enc: Encoding, order: int, s: int) -> dict | None:
        """The no-wrap certificate in closed form when the points are too many to list."""
        return None

    def use_points(self, enc: Encoding) -> bool:
        """Whether the no-wrap / convex certificate is tried first."""
        return True

    def slice_argument(self, enc: Encoding, order: int, s: int, node_limit: int) -> dict | None:
        """A family's own argument for slice ``s`` (after the no-wrap certificate,
        before the exhaustive and lattice searches), or None."""
        return None

    def slice_fallback(self, enc: Encoding, order: int, s: int, node_limit: int) -> dict | None:
        """What the family can still say when every search gave up (undecided)."""
        return None

    def proof_text(self, enc: Encoding, order: int, width: int) -> str | None:
        """A whole written proof replacing the generic one (None: generic)."""
        return None

    def proof_lines(self, enc: Encoding, order: int, verdict: EncVerdict) -> list[str] | None:
        """The family's argument lines for a verdict (None: the generic lines)."""
        return None

    # -- collide ---------------------------------------------------------------------
    def analytic(
        self, enc: Encoding, order: int, population: str, mms: int, mappings: int
    ) -> float | None:
        """A closed-form false-exclusive probability, or None."""
        return None

    # -- cost and bench ----------------------------------------------------------------
    def table_lookups(self, enc: Encoding) -> int:
        """Addends looked up in a table at update time (0: kept in the mm)."""
        return 0

    def bench_specs(self) -> list[BenchSpec]:
        """The C bench cases this family offers."""
        return []

    def bench_case_for(self, k: int, detail: str, addends: str) -> tuple[str, int] | None:
        """The bench case measuring a design row of this family with ``addends``
        formed ``per-update`` (``per-mm`` rows use digits' cache path)."""
        return None


def iter_bench_specs() -> Iterator[BenchSpec]:
    """Every family's C bench cases, by ``rank``."""
    yield from sorted((b for f in families() for b in f.bench_specs()), key=lambda b: b.rank)


# -- shared constructor helpers ----------------------------------------------------


def check_widths(id_bits, word_bits) -> tuple[int, int]:
    return (
        _check_int("id_bits", id_bits, *ID_BITS_RANGE),
        _check_int("word_bits", word_bits, *WORD_BITS_RANGE),
    )


def slices_for(id_bits: int, values: int | None, bits: int | None) -> int:
    """Slice width for ``values`` slices or ``bits`` bits (one of them, or both agreeing)."""
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


def compositions(n: int, m: int):
    """All ways to split n mappings into m positive parts (ordered)."""
    from itertools import combinations

    for cuts in combinations(range(1, n), m - 1):
        prev, parts = 0, []
        for c in cuts:
            parts.append(c - prev)
            prev = c
        parts.append(n - prev)
        yield parts


def slice_id(enc: Encoding, s: int, v: int) -> int:
    """An id whose slice s is v; with several slices another slice is 1."""
    if enc.slices == 1:
        return v
    t = 1 if s == 0 else 0
    return (v << (s * enc.slice_bits)) | (1 << (t * enc.slice_bits))


def slice_counterexample(enc: Encoding, s: int, x: int, others: dict[int, int]) -> dict:
    """A counterexample from a slice attack: victim slice value ``x``, the
    others' slice values with their counts; ids equal to the victim's elsewhere."""
    victim = slice_id(enc, s, x)
    rows = [[victim, 1], *sorted([slice_id(enc, s, v), c] for v, c in others.items() if c)]
    return {"victim": victim, "mappings": rows}


def p2(x: int) -> str:
    """x, or 2^e when x is a power of two (reads better in mail)."""
    if x > 1024 and x & (x - 1) == 0:
        return f"2^{x.bit_length() - 1}"
    return str(x)
