"""Names: the command line's shorthands, the default encoding of a family,
and the path each family takes in ``collide``.

One name per concept: a *family* (``digits``, ``table``, ``moments``, ...)
is a registered :class:`~rmaplab.encodings.Family`; an *encoding* is a
family with its parameters (:class:`~rmaplab.encodings.Encoding`); a
*shorthand* is a command-line name for a configured encoding
(:data:`ENCODINGS`), resolved once, at the entry point, by
:func:`resolve_encoding`. Every family name is also a shorthand.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..config import (
    DEFAULT_CONFIG,
    ID_BITS_RANGE,
    MAX_ORDER,
    WORD_BITS_RANGE,
    ConfigError,
    RmapConfig,
    _check_int,
    bits_per_value,
    nr_values_for,
    require_config,
)
from .base import FAMILIES, Encoding, LiveMapping, check_widths, families, get_family
from .digits import bit_counters, digits, from_config
from .hashed import hash64, raw_id

__all__ = [
    "ALIASES",
    "ENCODINGS",
    "ENCODING_FAMILIES",
    "FAMILY_PATHS",
    "PER_MM_BENCH",
    "REFERENCE_BENCH",
    "default_encoding",
    "resolve_encoding",
]

#: Shorthands that are not a family name: (family, what it means).
_CONFIGURED = {
    "posted": ("digits", "base-(P_g+1) sub-IDs with the configuration's K values (the series)"),
    "digits-k2": (
        "digits",
        "the posted digits squeezed into 2 values (the id bits spread over them, the "
        "group's base): unsafe, a counterexample",
    ),
    "posted-32bit": ("digits", "the posted group's K, B and base in 32-bit words"),
}
#: The order ``collide --list`` shows; registered families follow.
_ORDER = (
    "posted",
    "raw-id",
    "hash64",
    "digits-k2",
    "posted-32bit",
    "bit-counters",
    "digits",
    "table",
    "moments",
)
#: The order ``collide --list --json`` has always listed the paths in.
_PATHS_ORDER = {
    n: i for i, n in enumerate(("digits", "bit-counters", "table", "moments", "raw-id", "hash64"))
}
#: Old shorthands still accepted (``two-values`` read like the two-value moments design).
ALIASES = {"two-values": "digits-k2"}
#: The bench case every ``bench-atomics`` ratio divides by: the posted order-9
#: path (digits K = 3, per-mm sub-IDs), and the case of a per-mm design row.
REFERENCE_BENCH = ("digits", 3)
PER_MM_BENCH = "digits"


def _shorthands() -> dict[str, tuple[str, str]]:
    fams = {f.name: (f.name, f.shorthand or f.description) for f in families()}
    out = {n: (_CONFIGURED | fams)[n] for n in _ORDER if n in _CONFIGURED or n in fams}
    return out | {n: v for n, v in fams.items() if n not in out}


#: shorthand -> what it means (live: registered families included).
ENCODINGS = LiveMapping(lambda: {n: d for n, (_, d) in _shorthands().items()})
#: shorthand -> the family it resolves to.
ENCODING_FAMILIES = LiveMapping(lambda: {n: f for n, (f, _) in _shorthands().items()})
#: family -> the exact or analytic paths ``collide`` takes (``auto``), in
#: order; Monte Carlo is the fallback of every family.
FAMILY_PATHS = LiveMapping(
    lambda: {
        f.name: f.paths
        for f in sorted(families(), key=lambda f: _PATHS_ORDER.get(f.name, len(_PATHS_ORDER)))
    }
)


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
    * ``raw-id``, ``hash64``, ``bit-counters``; any registered family's
      :meth:`~rmaplab.encodings.Family.default`.

    ``opts`` override: ``values``, ``bits``, ``base``, ``powers``, ``packed``.
    """
    if family not in FAMILIES:
        raise ConfigError(f"encoding={family!r} is unknown: allowed {', '.join(FAMILIES)}")
    fam = get_family(family)
    id_bits, word_bits = check_widths(id_bits, word_bits)
    max_order = _check_int("max_order", max_order, 0, min(MAX_ORDER, word_bits - 1))
    order = max_order if order is None else _check_int("order", order, 0, max_order)
    return fam.default(id_bits, word_bits, max_order, order, **opts)


def resolve_encoding(
    name: str,
    order: int,
    config: RmapConfig = DEFAULT_CONFIG,
    word_bits: int | None = None,
    id_bits: int | None = None,
) -> Encoding:
    """The :class:`~rmaplab.encodings.Encoding` a command-line shorthand means
    for ``config``'s ids at ``order`` (its ``name`` is ``name``); ``word_bits``
    and ``id_bits`` override the configuration's widths (digits are re-sliced).

    * ``posted``: :func:`~rmaplab.encodings.from_config` (the group's K, B and
      base ``P_g + 1``); with ``id_bits``, ``K = ceil(id_bits / B)`` re-sliced;
    * ``digits-k2``: digits, 2 slices, the group's base (``two-values`` is
      its old name);
    * ``posted-32bit``: the group's K slices and base in 32-bit words;
    * ``raw-id``, ``hash64`` (64-bit words unless ``word_bits``), ``bit-counters``;
    * any other family name: :func:`default_encoding` for folios up to the
      configuration's largest order (at most ``word_bits - 1``).
    """
    cfg = require_config(config)
    name = ALIASES.get(name, name)
    if name not in ENCODINGS:
        raise ConfigError(f"encoding={name!r} is unknown: allowed {', '.join(ENCODINGS)}")
    g = cfg.group_for(order)
    ib = cfg.id_bits if id_bits is None else _check_int("id_bits", id_bits, *ID_BITS_RANGE)
    wb = (
        cfg.word_bits if word_bits is None else _check_int("word_bits", word_bits, *WORD_BITS_RANGE)
    )
    enc: Encoding
    if name == "posted":
        if id_bits is None and word_bits is None:
            enc = from_config(cfg, order)
        else:
            k = g.nr_values if id_bits is None else nr_values_for(ib, g.bits)
            enc = digits(ib, wb, bits=bits_per_value(ib, k), base=g.base)
    elif name == "digits-k2":
        enc = digits(ib, wb, bits=bits_per_value(ib, 2), base=g.base)
    elif name == "posted-32bit":
        wb = 32 if word_bits is None else wb
        enc = digits(ib, wb, bits=bits_per_value(ib, g.nr_values), base=g.base)
    elif name == "raw-id":
        enc = raw_id(ib, wb)
    elif name == "hash64":
        enc = hash64(ib, 64 if word_bits is None else wb)
    elif name == "bit-counters":
        enc = bit_counters(ib, wb)
    else:
        if order > wb - 1:
            raise ConfigError(
                f"order={order} is out of range for encoding={name!r} in {wb}-bit words: "
                f"allowed [0, {wb - 1}] (a digit must hold counts up to 2**order)"
            )
        max_order = max(order, min(cfg.max_order, wb - 1))
        enc = default_encoding(name, ib, wb, max_order, order)
    return dataclasses.replace(enc, name=name)
