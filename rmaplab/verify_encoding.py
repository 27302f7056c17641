"""Compatibility shim: the encoding verifier moved to :mod:`rmaplab.certify`
(generic searches) and the family modules of :mod:`rmaplab.encodings`
(family arguments, e.g. :mod:`rmaplab.encodings.moments`). Kept for this
session only; new code imports those."""

from __future__ import annotations

from .certify import (  # noqa: F401
    BFS_STATE_BITS,
    JSON_FIELDS,
    NODE_LIMIT,
    SMALL_COMBO,
    EncVerdict,
    _bfs_slice,
    _convex_position,
    _lattice_slice,
    _packed_certificate,
    _points,
    _slice_groups,
    _small_combo,
    slice_counterexample,
    verdict_head,
    verify_encoding,
)
from .encodings.moments import (  # noqa: F401
    _dfs_small,
    _mids,
    _moments_points,
    _moments_search,
    _try_free,
    _verify_moments,
    _victims,
    moments_bound,
    moments_construct,
    moments_exhaustive,
    two_squares,
)

_ce = slice_counterexample

__all__ = [
    "JSON_FIELDS",
    "EncVerdict",
    "moments_bound",
    "moments_construct",
    "two_squares",
    "verify_encoding",
]
