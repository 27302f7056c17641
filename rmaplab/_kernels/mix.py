"""splitmix64: the lab's one hash and generator step, one body for numba and Python.

:func:`mix64` is the output function (a bijection of 64-bit words), written
once on ``uint64`` scalars: numba compiles it into the kernels (``mix64_jit``)
and :func:`splitmix64` runs the same body on numpy scalars for Python ints.
The generator step adds :data:`~rmaplab._kernels.codes.GOLDEN` first
(``splitmix64(state + GOLDEN)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["mix64", "splitmix64"]  # and mix64_jit, built on first use (__getattr__)

_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_M64 = (1 << 64) - 1


def mix64(z):
    """splitmix64's output function on a ``uint64`` (wrapping multiplies)."""
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


_JIT: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    # mix64_jit is built on first use: importing the encodings (e.g. for
    # `rmaplab race --list`) must not load numba
    if name != "mix64_jit":
        raise AttributeError(name)
    if "mix64_jit" not in _JIT:
        from numba import njit

        _JIT["mix64_jit"] = njit("uint64(uint64)", cache=True, nogil=True)(mix64)
    return _JIT["mix64_jit"]


def splitmix64(z: int) -> int:
    """:func:`mix64` on a Python int (reduced modulo ``2**64``)."""
    with np.errstate(over="ignore"):
        return int(mix64(np.uint64(int(z) & _M64)))
