"""numba kernels, one module per kernel family, apart from the Python API.

Families and their entry points (each validates and converts its named
inputs, then runs an explicit-signature kernel; ``x()`` is numba,
``x_python()`` its plain-Python twin on Python ints):

``subid``       :func:`~rmaplab._kernels.subid.subid_words`
``replay``      :func:`~rmaplab._kernels.replay.replay_stream`
``schemes``     :func:`~rmaplab._kernels.schemes.replay_all_schemes`
``exhaustive``  :func:`~rmaplab._kernels.exhaustive.shortest_returns`
``montecarlo``  :func:`~rmaplab._kernels.montecarlo.false_exclusive_trials`
``encoding``    :func:`~rmaplab._kernels.encoding.addends`,
                :func:`~rmaplab._kernels.encoding.min_fooling`
``frontier``    :func:`~rmaplab._kernels.frontier.frontier_search`
``race``        :func:`~rmaplab._kernels.race.explore_packed` (twin: the tuple
                explorer, ``rmaplab.race.explore(engine="python")``)

Operation, population, encoding, scheme-row and status codes live in
:mod:`rmaplab._kernels.codes`, used inside the kernels (numba freezes a
module-level int into a compile-time constant) and by the Python layers.

Dtype policy (read before touching a kernel):

* rmap values, sub-IDs, slice indices, ids and word masks are ``uint64``
  everywhere, including every constant (``np.uint64(1)``, never ``1``):
  numba types ``uint64 op int64`` as ``int64`` or ``float64``, and a variable
  that is ``uint64`` on one path and ``int`` on another becomes ``float64``.
* Words narrower than 64 bits are modelled as ``uint64 & mask``: every add,
  subtract and multiply wraps modulo ``2**64`` natively and the mask reduces
  modulo ``2**word_bits``, which is exact because ``2**word_bits`` divides
  ``2**64``. Wrapping is the kernel's ``unsigned long`` semantics, on purpose.
* Mapcounts, signed page counts and array indices are ``int64``; a count
  enters value arithmetic only as ``np.uint64(magnitude)``.
* Check answers are ``int8``: ``-1`` no check, ``0`` exclusive, ``1`` shared.

Every kernel is a plain Python function run by numba with an explicit
signature. Compilation is lazy (first call, then cached on disk with
``cache=True``), so ``import rmaplab`` compiles nothing; :func:`warmup`
compiles (or loads) every kernel ahead of time. With
``NUMBA_DISABLE_JIT=1`` the same bodies run as Python on numpy scalars;
the entry points silence numpy's scalar overflow warnings because the
wrap is the modelled behaviour, not an accident.

The slow, obviously-right references these are tested against live in
``tests/naive.py`` (Python ints masked to the word).
"""

from __future__ import annotations

from ._jit import jit_enabled, warmup, word_mask

__all__ = ["jit_enabled", "warmup", "word_mask"]
