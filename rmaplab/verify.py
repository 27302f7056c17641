"""Can the rmap check be fooled? A proof certificate or a replayable counterexample.

The question, for a configuration and a folio order ``o`` (``P = 2**o``
pages): are there a victim mm X mapping at least one page and other mms
(distinct, valid ids) with total mapcount ``n <= P`` such that
``__folio_large_mapped_shared`` answers "exclusive" for X?

A configuration is resolved once, here, to the digits
:class:`~rmaplab.encodings.Encoding` of its group at ``o``
(:meth:`RmapConfig.encoding <rmaplab.config.RmapConfig.encoding>`); the
argument itself (carry-free digits, the L-infinity lattice, the pigeonhole
frontier) is the digits family's certificate,
:mod:`rmaplab.encodings.digits_lattice`, which works on ``(Encoding,
order)``. :func:`verify_digits` asks it about a digits encoding directly.
This module adds the verdict's name and the series' notes, every order of a
configuration, the brute-force cross-check and the CSV table.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from os import PathLike
from typing import TYPE_CHECKING

from ._data import data_text
from .config import WIP_V1, ConfigError, RmapConfig, require_config
from .encodings.digits_lattice import (
    NODE_LIMIT,
    ON_NODES,
    _assign,
    _construct,
    _mixed_assign,
    _search,
    carry_free,
    difference_vectors,
    digits_verdict,
    frontier_pages,
    rule_note,
)

if TYPE_CHECKING:
    import pandas as pd

    from .encodings import Encoding
    from .folio import CheckResult

__all__ = [
    "JSON_FIELDS",
    "NODE_LIMIT",
    "Verdict",
    "carry_free_certificate",
    "difference_vectors",
    "exhaustive_counterexample",
    "exhaustive_min_mappings",
    "frontier_pages",
    "replay_counterexample",
    "save_table",
    "series_notes",
    "split_counterexample",
    "verify",
    "verify_all",
    "verify_digits",
]

#: The digits certificate's internals, kept importable here for the tests
#: and benchmarks that reach them (``_search`` is the lru-cached search).
_INTERNALS = (_assign, _construct, _mixed_assign, _search)

JSON_FIELDS = (
    "order",
    "values",
    "bits",
    "base_pages",
    "word_bits",
    "verdict",
    "method",
    "min_mappings",
    "proven_minimal",
    "counterexample",
)


@dataclass
class Verdict:
    config: str
    order: int
    pages: int
    nr_values: int
    bits: int
    base_pages: int
    word_bits: int
    id_bits: int
    verdict: str  # "safe" | "unsafe" | "undecided"
    method: str  # "carry-free" | "lattice"
    min_mappings: int | None  # fewest total mappings n <= pages that fool the check
    proven_minimal: bool
    # {"victim": X, "mappings": [[X, c_X], [id, count], ...]}: the victim's own
    # entry first, so it replays with no other input; the counts sum to min_mappings
    counterexample: dict | None
    evidence: str  # the certificate or the search, in words
    headroom_bits: int  # W - bit_length((P - 1) * max sub-ID)
    shortest_norm: int | None = None  # lambda: shortest ||D||_inf found
    searched_bound: int | None = None  # every D with ||D||_inf <= this was searched
    frontier_pages: int = 0  # no linear sub-ID weights are safe from this page count on
    replayed: bool | None = None  # counterexample replayed through Folio: wrong "exclusive"
    note: str = ""  # where the series' comments disagree with its code
    certificate: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Fields as the ``--json`` interface names them (K is ``values`` there)."""
        d = asdict(self)
        d = {("values" if k == "nr_values" else k): v for k, v in d.items()}
        return {k: d[k] for k in JSON_FIELDS} | {k: d[k] for k in d if k not in JSON_FIELDS}


def carry_free_certificate(config: RmapConfig, order: int) -> dict:
    """Exact quantities of the carry-free argument for ``order`` (Python ints):
    :func:`rmaplab.encodings.digits_lattice.carry_free` of the configuration's
    encoding at ``order``."""
    return carry_free(require_config(config).encoding(order), order)


def split_counterexample(ce: dict) -> tuple[int, int, list[list[int]]]:
    """``(victim, victim's count, the other [id, count] entries)`` of a
    counterexample ``{"victim": X, "mappings": [[id, count], ...]}``.

    The mappings must list the victim exactly once with a count >= 1: the
    claim is about an mm that maps part of the folio, and a counterexample
    replays with no other input.
    """
    x = ce["victim"]
    own = [c for mm, c in ce["mappings"] if mm == x]
    if len(own) != 1 or own[0] < 1:
        raise ValueError(
            f"counterexample must list the victim {x} once with a count >= 1 in its "
            f"mappings, got {own or 'no entry'}"
        )
    return x, own[0], [[mm, c] for mm, c in ce["mappings"] if mm != x]


def replay_counterexample(model: RmapConfig | Encoding, order: int, ce: dict) -> CheckResult:
    """Replay ``{"victim": X, "mappings": [[id, count], ...]}`` through the
    folio model of ``model`` (a configuration or an encoding): every listed
    entry (the victim's own included) maps its count, in the listed order,
    then the check runs for the victim. Returns the
    :class:`~rmaplab.folio.CheckResult`."""
    from .folio import Folio

    split_counterexample(ce)  # the victim's entry is there, once
    f = Folio(model, order)
    for mm, count in ce["mappings"]:
        f.map(mm, count)
    return f.check(ce["victim"])


@lru_cache(maxsize=1)
def _notes() -> list[dict]:
    text = data_text("series_comments.csv")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def series_notes(cfg: RmapConfig, order: int) -> str:
    """Where the series' statements disagree with the configuration's code.

    For every configuration: the stated design rule "P_g times the largest
    sub-ID fits in the word", checked exactly. For ``wip-v1`` also the
    comment/code mismatches listed in ``rmaplab/data/series_comments.csv`` (they
    describe that posting, so they apply to its configuration only).
    """
    rule = rule_note(cfg.encoding(order))
    out = [rule] if rule else []
    if cfg == WIP_V1:
        for row in _notes():
            if int(row["min_order"]) <= order <= int(row["max_order"]):
                out.append(f"{row['comment_says']}; {row['code_does']}")
    return "; ".join(out)


def verify(
    config: RmapConfig, order: int, node_limit: int = NODE_LIMIT, progress: bool = False
) -> Verdict:
    """Verdict with evidence for one order (see module docstring).

    ``node_limit`` bounds each exact enumeration; past it the verdict is
    "undecided" (or "unsafe" without proven minimality) and says so. With
    ``progress``, a search that lasts over a second shows a bar of nodes
    against that budget (``node_limit`` per rmap value).
    """
    cfg = require_config(config)
    enc = cfg.encoding(order)  # the one way from a configuration to its encoding
    return _verdict(
        enc,
        order,
        node_limit,
        progress,
        cfg.name,
        cfg.group_for(order).max_order,
        series_notes(cfg, order),
    )


def verify_digits(
    enc: Encoding, order: int, node_limit: int = NODE_LIMIT, progress: bool = False
) -> Verdict:
    """:func:`verify` for a digits encoding (``base`` among its parameters)
    on its own: the folio of ``order`` is the largest that shares it, and the
    verdict is named ``digits-<I>id-<W>w``."""
    if enc.param("base") is None:
        raise ConfigError(f"encoding={enc.name!r} has no digit base: allowed a digits encoding")
    name = f"digits-{enc.id_bits}id-{enc.word_bits}w"
    return _verdict(enc, order, node_limit, progress, name, order, rule_note(enc))


def _verdict(enc, order, node_limit, progress, name, search_order, note) -> Verdict:
    def run() -> Verdict:
        d = digits_verdict(enc, order, node_limit, search_order)
        return Verdict(config=name, note=note, **d)

    if not progress:
        return run()
    from tqdm.auto import tqdm

    with tqdm(
        total=node_limit * enc.nr_values,
        desc=f"verify order {order} (budget {node_limit} nodes per value)",
        unit="node",
        unit_scale=True,
        delay=1.0,
    ) as bar:
        token = ON_NODES.set(bar.update)
        try:
            return run()
        finally:
            ON_NODES.reset(token)


def verify_all(
    config: RmapConfig, progress: bool = False, node_limit: int = NODE_LIMIT
) -> pd.DataFrame:
    """Verdicts for every order of a configuration, as a tidy DataFrame."""
    import pandas as pd

    cfg = require_config(config)
    orders = cfg.orders
    if progress:
        from tqdm.auto import tqdm

        orders = tqdm(orders, desc=f"verify {cfg.name}", unit="order")
    rows = [verify(cfg, o, node_limit, progress=progress) for o in orders]
    return pd.DataFrame([r.to_json() for r in rows])


def _exhaustive_inputs(enc: Encoding, order: int):
    """Addend rows of every id ``1..max_id`` for the brute force, after its size checks."""
    import numpy as np

    from ._kernels.exhaustive import ExhaustiveInputs
    from .replay import addend_table

    if enc.nr_values * enc.word_bits > 26:
        raise ConfigError(
            f"values*word_bits = {enc.nr_values * enc.word_bits} is too large for the "
            "exhaustive search: allowed <= 26"
        )
    if enc.id_bits > 12:
        raise ConfigError(
            f"id_bits={enc.id_bits} is too large for the exhaustive search: allowed <= 12"
        )
    ids = np.arange(1, enc.max_id + 1, dtype=np.int64)
    return ExhaustiveInputs(addend_table(enc, ids), enc.word_bits, (1 << order) - 1)


def exhaustive_min_mappings(config: RmapConfig, order: int) -> int | None:
    """Brute force over every victim and every mm id (numba kernel): the
    fewest total mappings ``n <= 2**order`` that fool the check (the
    victim's one page included), or None.

    Only for small configurations: ``values * word_bits <= 26`` and
    ``id_bits <= 12``.
    """
    from ._kernels.exhaustive import shortest_returns

    inp = _exhaustive_inputs(require_config(config).encoding(order), order)
    if order == 0:
        return None
    t = shortest_returns(inp)
    t = t[t > 0]
    return int(t.min()) + 1 if t.size else None


def exhaustive_counterexample(config: RmapConfig, order: int) -> dict | None:
    """The brute force's own counterexample, independent of the lattice
    argument: ``{"victim": X, "mappings": [[X, 1], [id, count], ...]}`` with
    the fewest mappings (their counts sum to :func:`exhaustive_min_mappings`),
    the victim the smallest id that needs that few; None where nothing fools
    the check. Same size limits as :func:`exhaustive_min_mappings`.
    """
    import numpy as np

    from ._kernels.encoding import MAX_STATE_BITS, min_fooling, min_fooling_python
    from ._kernels.exhaustive import shortest_returns

    enc = require_config(config).encoding(order)  # resolved once
    inp = _exhaustive_inputs(enc, order)
    if order == 0:
        return None
    t = shortest_returns(inp)
    hit = np.flatnonzero(t > 0)
    if not hit.size:
        return None
    xi = int(hit[np.argmin(t[hit])])
    rows = inp.subids
    mask = np.uint64(enc.mask)
    others = [m for m in range(rows.shape[0]) if m != xi]
    gens = (rows[others] - rows[xi]) & mask
    # the packed-state kernel holds fewer state bits than the count-only one
    search = min_fooling if gens.shape[1] * enc.word_bits <= MAX_STATE_BITS else None
    path = (search or min_fooling_python)(gens, enc.word_bits, int(t[xi]))
    if path is None or len(path) != int(t[xi]):
        raise AssertionError(f"the two brute-force searches disagree at victim {xi + 1}")
    counts: dict[int, int] = {}
    for gi in path:
        mm = others[gi] + 1  # row j holds id j + 1
        counts[mm] = counts.get(mm, 0) + 1
    victim = xi + 1
    return {"victim": victim, "mappings": [[victim, 1], *sorted(map(list, counts.items()))]}


def save_table(
    config: RmapConfig,
    path: str | PathLike[str],
    df: pd.DataFrame | None = None,
    argv: Sequence[str] | None = None,
) -> None:
    """Write the verdict table as CSV, headed by the command that regenerates it."""
    import json

    cfg = config
    if df is None:
        df = verify_all(cfg)
    out = df.copy()
    out["counterexample"] = [json.dumps(c) if c else "" for c in out["counterexample"]]
    out = out.drop(columns=["certificate"])
    cmd = (
        "rmaplab " + " ".join(argv)
        if argv
        else f"rmaplab verify --config {cfg.name} --all --csv {path}"
    )
    with open(path, "w") as fh:
        fh.write(f"# regenerate: {cmd}\n")
        out.to_csv(fh, index=False)
