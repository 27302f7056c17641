"""rmap-ID configurations: the single place that defines ids, word bits and groups.

A configuration says how wide an rmap ID is (``id_bits``), how wide one rmap
value is (``word_bits``; the kernel uses ``unsigned long``, so 64 on 64-bit
and 32 on the sketched 32-bit variant), and which folio orders form a *group*.
A group shares the number of rmap values ``K`` (``nr_values``), the number of id
bits per value ``B`` (``bits``) and the base page count ``P_g``
(``base_pages``); sub-IDs of the group are binary digits read in base
``P_g + 1`` (see :mod:`rmaplab.subid`).

Source: the WIP v1 series "mm: precise 'mapped shared' vs. 'mapped
exclusively' detection for PTE-mapped THP / partially-mappable folios"
(2023-11-24), group table as summarised in ``shared/reference/rmap-id.md``.

Everything else in rmaplab asks this module; nothing re-derives a group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# the width ranges, ConfigError and the integer check live in rmaplab.validate
# (one validation module); these names stay importable from here
from .validate import BASE_PAGES_RANGE, ID_BITS_RANGE, MAX_ORDER, WORD_BITS_RANGE, ConfigError
from .validate import check_int as _check_int

if TYPE_CHECKING:
    import pandas as pd

    from .encodings import Encoding

__all__ = [
    "BUILTIN",
    "DEFAULT_CONFIG",
    "ID_BITS_RANGE",
    "MAX_ORDER",
    "WORD_BITS_RANGE",
    "ConfigError",
    "Group",
    "RmapConfig",
    "bits_per_value",
    "config_names",
    "config_table",
    "derive_config",
    "get_config",
    "nr_values_for",
    "require_config",
    "single_group_config",
    "value_splits",
    "word_bytes",
]


def word_bytes(word_bits: int) -> int:
    """Bytes one rmap value occupies: the smallest kernel unsigned type (u8,
    u16, u32, u64) that holds a ``word_bits``-bit word.

    Each value is its own word, updated by an atomic RMW in place, so a
    narrow word still takes a whole naturally sized one; ``word_bits // 8``
    would count a word under 8 bits as 0 bytes.
    """
    w = _check_int("word_bits", word_bits, *WORD_BITS_RANGE)
    n = 1
    while 8 * n < w:
        n *= 2
    return n


@dataclass(frozen=True)
class Group:
    """Folio orders ``min_order..max_order`` sharing K, B and the base.

    ``base_pages`` defaults to ``2**max_order`` (the kernel's ``P_g``, "the
    largest page count of the group"); it may be set explicitly to explore
    other bases.
    """

    min_order: int
    max_order: int
    nr_values: int
    bits: int
    base_pages: int = 0

    def __post_init__(self):
        _check_int("min_order", self.min_order, 0, MAX_ORDER)
        _check_int("max_order", self.max_order, self.min_order, MAX_ORDER)
        _check_int("nr_values", self.nr_values, 1, ID_BITS_RANGE[1])
        _check_int("bits", self.bits, 1, ID_BITS_RANGE[1])
        if self.base_pages == 0:
            object.__setattr__(self, "base_pages", 1 << self.max_order)
        _check_int("base_pages", self.base_pages, *BASE_PAGES_RANGE)

    @property
    def orders(self) -> range:
        return range(self.min_order, self.max_order + 1)

    @property
    def base(self) -> int:
        """The digit base ``P_g + 1``."""
        return self.base_pages + 1

    @property
    def index_mask(self) -> int:
        return (1 << self.bits) - 1

    def largest_digit_sum(self) -> int:
        """``P_g * max sub-ID`` over a full B-bit slice, as an exact integer.

        The largest sub-ID is ``1 + b + ... + b**(B-1) = (b**B - 1) / P_g``
        with ``b = P_g + 1``, so the product is ``b**B - 1``: the largest
        number with B base-b digits, each digit ``P_g``.
        """
        return self.base**self.bits - 1


@dataclass(frozen=True)
class RmapConfig:
    """An rmap-ID configuration: id width, word width and folio-size groups."""

    name: str
    id_bits: int
    word_bits: int
    groups: tuple[Group, ...]
    description: str = field(default="", compare=False)

    def __post_init__(self):
        _check_int("id_bits", self.id_bits, *ID_BITS_RANGE)
        _check_int("word_bits", self.word_bits, *WORD_BITS_RANGE)
        groups = tuple(self.groups)
        if not groups:
            raise ConfigError("groups must not be empty")
        object.__setattr__(self, "groups", groups)
        prev = None
        for g in groups:
            if not isinstance(g, Group):
                raise ConfigError(f"groups must hold Group objects, got {g!r}")
            if prev is not None and g.min_order <= prev.max_order:
                raise ConfigError(
                    f"groups overlap or are unsorted: orders {prev.min_order}.."
                    f"{prev.max_order} then {g.min_order}..{g.max_order}"
                )
            if g.nr_values * g.bits < self.id_bits:
                raise ConfigError(
                    f"group {g.min_order}..{g.max_order}: nr_values*bits = "
                    f"{g.nr_values}*{g.bits} = {g.nr_values * g.bits} cannot hold "
                    f"{self.id_bits}-bit ids: need nr_values*bits >= id_bits"
                )
            if (g.nr_values - 1) * g.bits >= self.id_bits:
                raise ConfigError(
                    f"group {g.min_order}..{g.max_order}: {g.nr_values} values of "
                    f"{g.bits} bits leave value {g.nr_values - 1} without id bits "
                    f"for {self.id_bits}-bit ids: allowed nr_values <= "
                    f"ceil(id_bits/bits) = {-(-self.id_bits // g.bits)}"
                )
            prev = g

    # -- orders ---------------------------------------------------------
    @property
    def min_order(self) -> int:
        return self.groups[0].min_order

    @property
    def max_order(self) -> int:
        return self.groups[-1].max_order

    @property
    def orders(self) -> list[int]:
        return [o for g in self.groups for o in g.orders]

    def group_for(self, order: int) -> Group:
        order = _check_int("order", order, 0, MAX_ORDER)
        for g in self.groups:
            if g.min_order <= order <= g.max_order:
                return g
        raise ConfigError(
            f"order={order} is not covered by configuration {self.name!r}: "
            f"allowed orders {self._orders_text()}"
        )

    def encoding(self, order: int) -> Encoding:
        """The posted scheme at ``order`` as an encoding: the group's K slices
        of B bits, ``calc_rmap_subid`` in base ``P_g + 1`` (the one way from a
        configuration to an :class:`~rmaplab.encodings.Encoding`)."""
        from .encodings.digits import digits

        g = self.group_for(order)
        return digits(self.id_bits, self.word_bits, bits=g.bits, base=g.base)

    def _orders_text(self) -> str:
        return ", ".join(f"{g.min_order}..{g.max_order}" for g in self.groups)

    def group_index(self, order: int) -> int:
        return self.groups.index(self.group_for(order))

    # -- ids and words --------------------------------------------------
    @property
    def max_id(self) -> int:
        """Largest valid rmap ID; ids are ``1..max_id`` (0 is the dummy id)."""
        return (1 << self.id_bits) - 1

    @property
    def ids_supported(self) -> int:
        return self.max_id

    @property
    def word_mask(self) -> int:
        return (1 << self.word_bits) - 1

    @property
    def max_nr_values(self) -> int:
        return max(g.nr_values for g in self.groups)

    def check_id(self, mm_id: int, name: str = "mm id") -> int:
        return _check_int(name, mm_id, 1, self.max_id)

    def headroom_bits(self, order: int) -> int:
        """Bits between ``P_g * max sub-ID`` and ``2**word_bits``.

        ``word_bits - bit_length(P_g * max_subid)``: 0 or more means the
        series' rule "P_g times the largest sub-ID fits in the word" holds;
        negative means a sum of ``P_g`` sub-IDs can wrap the word.
        """
        g = self.group_for(order)
        return self.word_bits - g.largest_digit_sum().bit_length()

    def fits(self, order: int) -> bool:
        return self.headroom_bits(order) >= 0

    def value_bytes(self, order: int) -> int:
        """Bytes of rmap values per folio (seqcount and mapcount excluded):
        K words of :func:`word_bytes` each."""
        return self.group_for(order).nr_values * word_bytes(self.word_bits)


def value_splits(id_bits: int) -> list[tuple[int, int]]:
    """Every way to cut ``id_bits``-bit ids into K values of B bits, fewest values first.

    B is ``ceil(id_bits / K)``; a K whose B equals a smaller K's B is left
    out, because it would leave its last value without id bits (the group
    check of :class:`RmapConfig` refuses it). This is the one place the K/B
    rule lives: the series' rule (:func:`derive_config`) and the cheapest
    proven-safe K (:func:`rmaplab.cost.cheapest_safe`) both walk this list.
    """
    id_bits = _check_int("id_bits", id_bits, *ID_BITS_RANGE)
    out = []
    for k in range(1, id_bits + 1):
        b = bits_per_value(id_bits, k)
        if (k - 1) * b < id_bits:
            out.append((k, b))
    return out


def nr_values_for(id_bits: int, bits: int) -> int:
    """K = ceil(id_bits / B): how many B-bit values hold an ``id_bits``-bit id."""
    return -(-id_bits // bits)


def bits_per_value(id_bits: int, nr_values: int) -> int:
    """B = ceil(id_bits / K): id bits each of K values carries."""
    return -(-id_bits // nr_values)


def _fewest_values(id_bits: int, word_bits: int, order: int) -> tuple[int, int] | None:
    """Smallest K (with B = ceil(id_bits / K)) such that (2**order + 1)**B
    <= 2**word_bits, i.e. 2**order * max sub-ID fits in the word."""
    base = (1 << order) + 1
    limit = 1 << word_bits
    for k, b in value_splits(id_bits):
        if base**b <= limit:
            return k, b
    return None


def derive_config(
    id_bits: int, word_bits: int, max_order: int, *, name: str | None = None, min_order: int = 0
) -> RmapConfig:
    """Fewest rmap values per order under the series' rule.

    For each order ``o`` in ``min_order..max_order`` pick the smallest ``K``
    with ``B = ceil(id_bits / K)`` such that ``2**o * max sub-ID`` fits in
    ``word_bits`` bits, i.e. ``(2**o + 1)**B <= 2**word_bits``; consecutive
    orders with equal ``K`` form one group whose base is the group's largest
    page count. Raises :class:`ConfigError` when even one id bit per value
    does not fit (``2**o >= 2**word_bits``).
    """
    id_bits = _check_int("id_bits", id_bits, *ID_BITS_RANGE)
    word_bits = _check_int("word_bits", word_bits, *WORD_BITS_RANGE)
    min_order = _check_int("min_order", min_order, 0, MAX_ORDER)
    max_order = _check_int("max_order", max_order, min_order, MAX_ORDER)
    per_order = []
    for o in range(min_order, max_order + 1):
        kb = _fewest_values(id_bits, word_bits, o)
        if kb is None:
            raise ConfigError(
                f"max_order={max_order} is impossible with word_bits={word_bits}: "
                f"order {o} has 2**{o} pages, and even one id bit per value "
                f"needs 2**{o} + 1 <= 2**{word_bits}; allowed max_order <= "
                f"{word_bits - 1}"
            )
        per_order.append((o, kb))
    groups = []
    start = per_order[0][0]
    for i, (o, kb) in enumerate(per_order):
        last = i + 1 == len(per_order) or per_order[i + 1][1] != kb
        if last:
            groups.append(Group(start, o, kb[0], kb[1]))
            if i + 1 < len(per_order):
                start = per_order[i + 1][0]
    # A merged group uses the largest page count; the rule holds there because
    # it was checked at the group's largest order with the same K and B.
    name = name or f"derived-{id_bits}id-{word_bits}w-o{max_order}"
    return RmapConfig(
        name,
        id_bits,
        word_bits,
        tuple(groups),
        description=(
            f"fewest values per order for {id_bits}-bit ids in {word_bits}-bit "
            f"words up to order {max_order} under (P_g+1)**B <= 2**word_bits"
        ),
    )


# The posted table (rmap-id.md, "Folio size groups (as posted; 24-bit ids)").
WIP_V1 = RmapConfig(
    "wip-v1",
    24,
    64,
    (
        Group(0, 2, 1, 24),
        Group(3, 5, 2, 12),
        Group(6, 9, 3, 8),
        Group(10, 10, 4, 6),
        Group(11, 12, 5, 5),
        Group(13, 15, 6, 4),
    ),
    description="WIP v1 series as posted: 24-bit ids, 64-bit words, orders 0..15",
)

# The 32-bit sketch gives only its bounds (16-bit ids, 32-bit words, order 15,
# at most 8 values), not a group table, so the groups follow the stated rule.
WIP_V1_32BIT = derive_config(16, 32, 15, name="wip-v1-32bit")
object.__setattr__(
    WIP_V1_32BIT,
    "description",
    "32-bit sketch: 16-bit ids, 32-bit words, orders 0..15; groups derived "
    "with the series' rule (the posting gives no table)",
)

BUILTIN: dict[str, RmapConfig] = {c.name: c for c in (WIP_V1, WIP_V1_32BIT)}

#: The configuration every entry point uses when none is named: the series as posted.
DEFAULT_CONFIG: RmapConfig = WIP_V1


def config_names() -> list[str]:
    return list(BUILTIN)


def get_config(name: str | RmapConfig) -> RmapConfig:
    """A built-in configuration by name, or pass an :class:`RmapConfig` through.

    Entry points (the CLI, the report, the notebook helpers) call this once;
    library functions take the resolved :class:`RmapConfig`.
    """
    if isinstance(name, RmapConfig):
        return name
    try:
        return BUILTIN[name]
    except (KeyError, TypeError):
        raise ConfigError(f"config={name!r} is unknown: allowed {', '.join(BUILTIN)}") from None


def require_config(config: object) -> RmapConfig:
    """``config`` itself if it is a resolved :class:`RmapConfig`; a name (or
    anything else) is refused with how to resolve it. Library functions take
    the object: names are resolved once, by :func:`get_config`, where work
    starts (the CLI, the report, a notebook's first cell)."""
    if isinstance(config, RmapConfig):
        return config
    hint = f"get_config({config!r})" if isinstance(config, str) else "get_config(name)"
    raise ConfigError(
        f"config={config!r} is not a resolved configuration: allowed an RmapConfig; "
        f"resolve a name once with rmaplab.{hint}"
    )


def single_group_config(
    id_bits: int,
    word_bits: int,
    nr_values: int,
    bits: int,
    max_order: int,
    *,
    min_order: int = 0,
    base_pages: int = 0,
    name: str | None = None,
    description: str = "custom single-group configuration",
) -> RmapConfig:
    """One group of orders ``min_order..max_order`` with K = ``nr_values``
    values of B = ``bits`` id bits and base ``base_pages`` (default
    ``2**max_order``): the custom configurations the CLI, the widgets and the
    verifier's probes build."""
    group = Group(min_order, max_order, nr_values, bits, base_pages)
    name = name or f"{id_bits}id-{nr_values}x{bits}b-{word_bits}w"
    return RmapConfig(name, id_bits, word_bits, (group,), description=description)


def config_table(config: RmapConfig) -> pd.DataFrame:
    """Per order: K, B, base, bytes of values, ids supported, headroom (tidy DataFrame).

    ``headroom_bits`` is ``word_bits - bit_length(P_g * max sub-ID)``; negative
    means a sum of ``P_g`` sub-IDs can wrap the word (the series' rule fails).
    """
    import pandas as pd

    cfg = require_config(config)
    rows = []
    for g in cfg.groups:
        for o in g.orders:
            rows.append(
                {
                    "config": cfg.name,
                    "order": o,
                    "values": g.nr_values,
                    "bits": g.bits,
                    "base_pages": g.base_pages,
                    "word_bits": cfg.word_bits,
                    "id_bits": cfg.id_bits,
                    "bytes": cfg.value_bytes(o),
                    "ids_supported": cfg.ids_supported,
                    "headroom_bits": cfg.headroom_bits(o),
                    "rule_ok": cfg.fits(o),
                }
            )
    return pd.DataFrame(rows)
