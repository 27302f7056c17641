"""How likely is a multiply-mapped folio reported "mapped exclusively"?

For an :class:`~rmaplab.encodings.Encoding` of mm ids into per-mapping
addends (any family: ``digits``, ``table``, ``moments``, ``raw-id``,
``hash64``, ``bit-counters``) and a *population* of mappings on one folio of
a given order, the probability that the check answers "exclusive" for a
mapping mm while at least two mms map the folio. The command line's names
(``posted``, ``digits-k2``, ``moments``, ...; :data:`ENCODINGS`) are
shorthands that :func:`resolve_encoding` turns into an ``Encoding`` once, at
the entry point. Four methods, agreeing where they overlap (tests check it):

* ``proof``: the verifier (:func:`rmaplab.certify.verify_encoding`)
  proves the encoding safe at this order, so the probability is exactly 0,
  whatever the population; the row carries the verifier's evidence;
* ``exact``: enumeration (lowest-free ids) or convolution of the residue
  distributions modulo ``2**W`` (uniform ids), as exact fractions, on the
  encoding's Python-int addends; for small words and id spaces;
* ``monte-carlo``: the numba kernel
  :func:`rmaplab._kernels.montecarlo.false_exclusive_trials`, split
  into tasks of fixed size, each seeded from (seed, task index), so the
  result does not depend on how tasks are spread over workers; Wilson 95%
  interval;
* ``analytic``: random 64-bit sub-IDs: given the victim's hash, each other
  mm's term ``c_i (h(Y_i) - h(X))`` is uniform on multiples of ``2**v2(c_i)``,
  so the sum is uniform on multiples of ``2**min v2(c_i)``:
  ``P = E[2**(-K (W - min_i v2(c_i)))]`` over the count split (ignoring
  repeated ids among the others).

Which applies to which family is :data:`FAMILY_PATHS`. The methods live in
:mod:`rmaplab.collide_methods`, the names in :mod:`rmaplab.encodings.names`,
the executors in :mod:`rmaplab.executors`; this module chooses among them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from concurrent.futures import Executor
from typing import Any, Literal

import pandas as pd

from . import collide_methods
from .collide_methods import *  # noqa: F403 (re-exported: collide_methods.__all__)
from .collide_methods import (
    MAX_TRIALS,
    MC_BUDGET_SECONDS,
    SEED_RANGE,
    TASK_TRIALS,
    _adversarial,
    _check_params,
    _verdict,
    analytic_probability,
    exact_probability,
    monte_carlo,
    wilson,
)
from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, _check_int, require_config
from .encodings import Encoding
from .encodings.names import ENCODING_FAMILIES, ENCODINGS, FAMILY_PATHS, resolve_encoding
from .executors import DASK_CONNECT_SECONDS, dask_executor, default_executor

__all__ = [
    "DASK_CONNECT_SECONDS",
    "ENCODINGS",
    "ENCODING_FAMILIES",
    "FAMILY_PATHS",
    "collide",
    "dask_executor",
    "default_executor",
    "resolve_encoding",
    "sweep",
    *collide_methods.__all__,  # the methods, re-exported: one public module
]


def collide(
    encoding: str | Encoding,
    order: int = 9,
    mms: int = 2,
    mappings: int = 2,
    trials: int = 1_000_000,
    seed: int = 0,
    population: str = "uniform",
    config: RmapConfig = DEFAULT_CONFIG,
    word_bits: int | None = None,
    id_bits: int | None = None,
    method: str = "auto",
    executor: Executor | Literal["auto"] | None = "auto",
    progress: bool = False,
    budget_seconds: float | None = None,
) -> dict:
    """Probability of a false "exclusive", with its interval and method.

    ``encoding``: an :class:`~rmaplab.encodings.Encoding`, or a command-line
    name (:data:`ENCODINGS`) resolved here, once, by :func:`resolve_encoding`
    with ``config``, ``word_bits`` and ``id_bits`` (an ``Encoding`` carries
    its widths: overrides that differ are refused). ``method``: ``auto`` (proof if the
    verifier proves the encoding safe at ``order``, else exact if small
    enough, else Monte Carlo; :data:`FAMILY_PATHS`), or one of ``proof``,
    ``exact``, ``monte-carlo``, ``analytic``. ``executor``: any
    ``concurrent.futures`` executor for the Monte Carlo tasks; ``"auto"``
    uses a thread per core (or the dask cluster in
    ``DASK_SCHEDULER_ADDRESS``) from 4 tasks on, None runs them here.
    ``budget_seconds`` bounds a Monte Carlo run (default
    :data:`MC_BUDGET_SECONDS`); a run stopped by it has ``"stopped"`` set and
    ``"verdict": "undecided"``, with the interval of the trials done.
    """
    seed = _check_int("seed", seed, *SEED_RANGE)
    trials = _check_int("trials", trials, 1, MAX_TRIALS)
    if method not in ("auto", "proof", "exact", "monte-carlo", "analytic"):
        raise ConfigError(
            f"method={method!r} is unknown: allowed auto, proof, exact, monte-carlo, analytic"
        )
    if isinstance(encoding, Encoding):
        enc = encoding
        require_config(config).group_for(order)  # the same orders as a name
        for what, given, has in (
            ("word_bits", word_bits, enc.word_bits),
            ("id_bits", id_bits, enc.id_bits),
        ):
            if given is not None and given != has:
                raise ConfigError(
                    f"{what}={given} contradicts encoding {enc.name!r} ({what}={has}): an "
                    "Encoding carries its widths; leave the override out"
                )
    else:
        enc = resolve_encoding(encoding, order, config, word_bits, id_bits)
    _check_params(enc, order, population, mms, mappings)
    row = {
        "encoding": enc.name,
        "population": population,
        "order": order,
        "mms": mms,
        "mappings": mappings,
        "word_bits": enc.word_bits,
        "id_bits": enc.id_bits,
        "values": enc.nr_values,
        "family": enc.family,
        "detail": enc.describe(),
    }
    pages = 1 << order
    if population in ("uniform", "lowest-free") and mappings > pages:
        # folio_mapped_shared answers "shared" from the mapcount alone: no sum is read
        return row | {
            "probability": 0.0,
            "ci_low": 0.0,
            "ci_high": 0.0,
            "method": "definition",
            "trials": 0,
            "evidence": (
                f"n = {mappings} mappings > {pages} pages (folio_nr_pages): the check "
                "answers 'shared' by its mapcount test, whatever the rmap values"
            ),
        }
    if method in ("auto", "proof"):
        v = _verdict(enc, order)
        if v.verdict == "safe":
            return row | {
                "probability": 0.0,
                "ci_low": 0.0,
                "ci_high": 0.0,
                "method": "proof",
                "trials": 0,
                "evidence": v.evidence,
                "proof_method": v.method,
            }
        if method == "proof":
            raise ConfigError(
                f"method='proof': the verifier finds encoding {enc.name!r} {v.verdict} at "
                f"order {order} ({v.method}); use auto, exact or monte-carlo"
            )
    if method == "analytic":
        p = analytic_probability(enc, order, population, mms, mappings)
        if p is None:
            raise ConfigError(
                f"method='analytic' has no closed form for encoding={enc.name!r}, "
                f"population={population!r}: allowed for hash64 with uniform"
            )
        return row | {
            "probability": p,
            "ci_low": p,
            "ci_high": p,
            "method": "analytic",
            "trials": 0,
        }
    if method in ("auto", "exact") and (
        population == "adversarial" or method == "exact" or _small(enc, population, mms, mappings)
    ):
        frac = exact_probability(enc, order, population, mms, mappings, config=config)
        if frac is not None:
            extra = {}
            if population == "adversarial":
                fooled, cases = _adversarial(enc, order, config)
                extra = {"fooled": fooled, "cases": cases}
            return (
                row
                | {
                    "probability": float(frac),
                    "ci_low": float(frac),
                    "ci_high": float(frac),
                    "method": "exact",
                    "trials": 0,
                    "exact": f"{frac.numerator}/{frac.denominator}",
                }
                | extra
            )
        if method == "exact":
            raise ConfigError("method='exact': the state space is too large; use monte-carlo")
    own = None
    if executor == "auto":
        executor = None
        if -(-trials // TASK_TRIALS) >= 4 and (os.cpu_count() or 1) > 1:
            executor = own = default_executor()
    try:
        hits, total = monte_carlo(
            enc,
            order,
            population,
            mms,
            mappings,
            trials,
            seed,
            executor,
            progress,
            budget_seconds,
        )
    finally:
        if own is not None:
            own.shutdown()
    lo, hi = wilson(hits, total)
    out = row | {
        "probability": hits / total,
        "ci_low": lo,
        "ci_high": hi,
        "method": "monte-carlo",
        "trials": total,
        "hits": hits,
    }
    if total < trials:
        budget = MC_BUDGET_SECONDS if budget_seconds is None else budget_seconds
        out["verdict"] = "undecided"
        out["stopped"] = (
            f"budget of {budget:g} s reached after {total} of {trials} trials; the "
            "interval covers the trials done"
        )
    a = analytic_probability(enc, order, population, mms, mappings)
    if a is not None:
        out["analytic"] = a
    return out


def _small(enc: Encoding, population: str, mms: int, mappings: int) -> bool:
    if population == "lowest-free":
        return math.comb(mappings - 1, mms - 1) * mms * mms <= 200_000
    if population == "uniform":
        return (
            enc.max_id <= 64
            and enc.word_bits * enc.nr_values <= 12
            and math.comb(mappings - 1, mms - 1) <= 200
        )
    return False


def sweep(
    param: str,
    points: Iterable[Any],
    base: dict,
    executor: Executor | Literal["auto"] | None = "auto",
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`collide` over one parameter (tidy rows), Monte Carlo tasks on ``executor``."""
    rows = []
    it = points
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(list(points), desc=f"sweep {param}", unit="point")
    # one pool for every point of the sweep, not one per point
    own = default_executor() if executor == "auto" and (os.cpu_count() or 1) > 1 else None
    try:
        for v in it:
            kw = dict(base)
            kw[param] = v
            rows.append(collide(executor=own or executor, **kw))
    finally:
        if own is not None:
            own.shutdown()
    return pd.DataFrame(rows)
