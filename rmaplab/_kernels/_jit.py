"""The lazy explicit-signature ``njit`` decorator every kernel uses."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable

import numpy as np

#: Kernel families, in the order :func:`warmup` compiles them.
FAMILIES = (
    "subid",
    "replay",
    "schemes",
    "exhaustive",
    "montecarlo",
    "encoding",
    "frontier",
    "race",
    "lattice",
)


class LazyKernel:
    """An explicit-signature ``njit`` kernel compiled (or loaded from the
    on-disk cache) on first call, never on import.

    ``signature`` is a numba signature string, or a function returning one
    (for signatures over NamedTuple types, built only when needed).
    """

    def __init__(self, signature, func: Callable):
        self.signature = signature
        self.func = func
        self._dispatcher = None
        self._compiled = False
        self._lock = threading.Lock()  # Monte Carlo tasks call kernels from threads
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    @property
    def dispatcher(self):
        d = self._dispatcher  # built once: later calls skip the lock
        if d is not None:
            return d
        with self._lock:
            if self._dispatcher is None:
                import numba
                from numba import njit

                sig = self.signature() if callable(self.signature) else self.signature
                self._compiled = not numba.config.DISABLE_JIT  # type: ignore[attr-defined]
                self._dispatcher = njit(sig, cache=True, nogil=True)(self.func)
        return self._dispatcher

    def __call__(self, *args):
        d = self.dispatcher
        if self._compiled:
            # compiled integer arithmetic wraps silently; numpy's overflow
            # warnings (and the errstate context, ~1.7 us a call) concern
            # only the plain-Python bodies run with NUMBA_DISABLE_JIT=1
            return d(*args)
        with np.errstate(over="ignore"):
            return d(*args)


def kernel(signature) -> Callable[[Callable], LazyKernel]:
    def wrap(func: Callable) -> LazyKernel:
        return LazyKernel(signature, func)

    return wrap


def jit_enabled() -> bool:
    import numba  # here, not at import: `rmaplab --help` and `race --list` load no numba

    return not numba.config.DISABLE_JIT  # type: ignore[attr-defined]


def word_mask(word_bits: int) -> np.uint64:
    """``2**word_bits - 1`` as the ``uint64`` the kernels mask every word with."""
    return np.uint64((1 << int(word_bits)) - 1)


def warmup(families=FAMILIES) -> dict[str, float]:
    """Compile (first time after install) or load from numba's cache every
    kernel of ``families``; returns the seconds each family took.

    Cold (no cache) this is the whole compile bill, paid once per install;
    warm it only loads the cached machine code. The CLI's ``rmaplab warmup``
    and the notebooks' first cell call it, so no later cell waits on numba.
    """
    out = {}
    for fam in families:
        mod = importlib.import_module(f"{__package__}.{fam}")
        t = time.perf_counter()
        for obj in vars(mod).values():
            if isinstance(obj, LazyKernel) and jit_enabled():
                _ = obj.dispatcher  # an explicit signature compiles (or loads) here
        out[fam] = time.perf_counter() - t
    return out
