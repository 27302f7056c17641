"""Compatibility shim: the encodings moved to :mod:`rmaplab.encodings`.

Kept for this session only (other branches still import it); new code
imports :mod:`rmaplab.encodings`. :func:`replay` lives in :mod:`rmaplab.folio`.
"""

from __future__ import annotations

from .config import MAX_ORDER  # noqa: F401  (old importers read it here)
from .encodings import (  # noqa: F401
    FAMILIES,
    GOLDEN,
    MAX_TABLE_BITS,
    WORD_BITS_RANGE,
    Encoding,
    bit_counters,
    default_encoding,
    digits,
    from_config,
    hash64,
    moments,
    packed_base,
    pdep,
    raw_id,
    splitmix64,
    table,
)
from .folio import replay

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
