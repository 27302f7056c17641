"""Encoding families: how an mm id becomes the K per-mapping addends.

:mod:`.base` holds the :class:`Encoding` object, the :class:`Family`
interface and the registry; one module per family registers everything
about it (:mod:`.digits` with ``bit-counters``, :mod:`.table`,
:mod:`.moments`, :mod:`.hashed` with ``raw-id`` and ``hash64``, :mod:`.convex`
and :mod:`.behrend` with issue 20's one-value constructions);
:mod:`.packing` holds what the packing-lemma families share; :mod:`.names`
holds the command line's shorthands and default encodings.

A new family is one module: subclass :class:`Family`, implement
``word_addend`` (Python ints), ``plan`` (a :class:`KernelPlan` the numba
kernels interpret) and ``default``, then :func:`register` an instance. See
the README's layout section.
"""

from __future__ import annotations

from .base import (
    FAMILIES,
    GOLDEN,
    MAX_TABLE_BITS,
    RULE_CODES,
    RULE_DIGITS,
    RULE_HASH,
    RULE_POWERS,
    RULE_RAW,
    RULE_TABLE,
    WORD_BITS_RANGE,
    BenchSpec,
    Encoding,
    Family,
    KernelPlan,
    LiveMapping,
    families,
    get_family,
    plan_addend_python,
    register,
    splitmix64,
    table_plan,
    unregister,
)
from .behrend import behrend_encoding
from .convex import CONVEX_FAMILIES, convex_encoding
from .digits import bit_counters, digits, from_config
from .hashed import hash64, raw_id
from .mapcount import MAPCOUNT_BITS, mapcount_encoding
from .moments import moments, packed_base
from .names import ENCODING_FAMILIES, ENCODINGS, FAMILY_PATHS, default_encoding, resolve_encoding
from .table import pdep, table

__all__ = [
    "CONVEX_FAMILIES",
    "ENCODINGS",
    "ENCODING_FAMILIES",
    "FAMILIES",
    "FAMILY_PATHS",
    "GOLDEN",
    "MAPCOUNT_BITS",
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
    "behrend_encoding",
    "bit_counters",
    "convex_encoding",
    "default_encoding",
    "digits",
    "families",
    "from_config",
    "get_family",
    "hash64",
    "mapcount_encoding",
    "moments",
    "packed_base",
    "pdep",
    "plan_addend_python",
    "raw_id",
    "register",
    "resolve_encoding",
    "splitmix64",
    "table",
    "table_plan",
    "unregister",
]
