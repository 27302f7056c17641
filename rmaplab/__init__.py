"""rmaplab: exact arithmetic and measurements for the rmap-ID proposal.

The question: is a large folio (THP) mapped exclusively by one mm, or shared?
The WIP v1 series "mm: precise 'mapped shared' vs. 'mapped exclusively'
detection" (2023-11-24) answers it with rmap IDs, sub-IDs and wrapping rmap
values. rmaplab models that scheme exactly (Python ints masked to the word)
and fast (numba kernels on ``uint64`` arrays), and checks one against the other.

Importing rmaplab compiles nothing; kernels compile on first use and are
cached on disk. :func:`warmup` compiles (once per install) or loads every
kernel up front, so no later call waits on numba.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

# Public names load on first use (PEP 562), so ``import rmaplab.cli`` or
# ``import rmaplab.validate`` pulls in neither numpy nor the library: the
# command line answers --help at once. The names stay importable as before.
_LAZY = {
    "BUILTIN": "config",
    "DEFAULT_CONFIG": "config",
    "ConfigError": "config",
    "Group": "config",
    "RmapConfig": "config",
    "config_names": "config",
    "derive_config": "config",
    "get_config": "config",
    "single_group_config": "config",
    "CheckResult": "folio",
    "Folio": "folio",
    "RmapError": "folio",
    "calc_rmap_subid": "subid",
    "id_slices": "subid",
    "mm_subids": "subid",
    "subid_table": "subid",
}

if TYPE_CHECKING:
    from .config import (
        BUILTIN,
        DEFAULT_CONFIG,
        ConfigError,
        Group,
        RmapConfig,
        config_names,
        derive_config,
        get_config,
        single_group_config,
    )
    from .folio import CheckResult, Folio, RmapError
    from .subid import calc_rmap_subid, id_slices, mm_subids, subid_table


def __getattr__(name: str) -> object:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'rmaplab' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value  # once: later lookups skip this hook
    return value


def __dir__() -> list[str]:
    public = {n for n in globals() if not n.startswith("_")} - {"annotations", "TYPE_CHECKING"}
    return sorted(public | set(__all__))


__version__ = "0.1.0"


def warmup() -> dict[str, float]:
    """Compile (first time after install) or load from the cache every numba
    kernel; returns seconds per kernel family. See :func:`rmaplab._kernels.warmup`."""
    from ._kernels import warmup as _warmup

    return _warmup()


__all__ = [
    "BUILTIN",
    "DEFAULT_CONFIG",
    "CheckResult",
    "ConfigError",
    "Folio",
    "Group",
    "RmapConfig",
    "RmapError",
    "__version__",
    "calc_rmap_subid",
    "config_names",
    "derive_config",
    "get_config",
    "id_slices",
    "mm_subids",
    "single_group_config",
    "subid_table",
    "warmup",
]
