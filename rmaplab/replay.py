"""Bulk replay of operation streams over many folios.

A stream is four equal-length arrays:

``folio``  (int)   which folio, ``0 <= folio < len(orders)``
``mm_id``  (int)   the rmap ID of the mm, ``1..max_id`` (of the configuration or
                   encoding)
``delta``  (int)   signed page count: ``+c`` maps ``c`` pages, ``-c`` unmaps,
                   ``0`` changes nothing
``check``  (bool)  after applying ``delta``, ask ``folio_mapped_shared(mm_id)``

Every function takes a *model*: a resolved :class:`~rmaplab.config.RmapConfig`
(each folio uses the posted group of its order) or an
:class:`~rmaplab.encodings.Encoding` (every folio, whatever its order, uses
that encoding's addends).

:func:`replay` validates, casts and runs the numba kernel
(:func:`rmaplab._kernels.replay.replay_stream`); :func:`replay_python` runs the same stream through
:class:`rmaplab.folio.Folio` objects. Both return a :class:`ReplayResult`
and must agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from ._kernels import word_mask
from ._kernels.replay import ReplayInputs, replay_stream
from .config import MAX_ORDER, ConfigError, RmapConfig, _check_int, require_config
from .encodings import MAX_TABLE_BITS, Encoding
from .folio import MAX_MAPCOUNT, Folio, RmapError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ReplayResult",
    "Stream",
    "make_stream",
    "replay",
    "replay_inputs",
    "replay_python",
    "value_updates",
]

#: Largest dense (folio x mm) table the ground-truth tracking may allocate.
MAX_TRUTH_CELLS = 1 << 27
#: A slice narrower than this is tabulated (``Encoding.table_of``) and the
#: addends of all mms looked up at once; wider slices are computed per mm.
_TABLE_SLICE_BITS = 12

#: What the replay takes: a configuration (per-order groups) or one encoding.
Model: TypeAlias = RmapConfig | Encoding


def _require_model(model: object) -> Model:
    """``model`` itself if it is an :class:`Encoding` or a resolved
    :class:`RmapConfig`; anything else (a name) is refused as
    :func:`rmaplab.config.require_config` refuses it."""
    if isinstance(model, Encoding):
        return model
    return require_config(model)


@dataclass
class Stream:
    """A validated operation stream (see module docstring)."""

    folio: np.ndarray  # int64
    mm_id: np.ndarray  # int64 rmap ids
    delta: np.ndarray  # int64
    check: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.folio.shape[0])


@dataclass
class ReplayResult:
    """Final state and check answers of a replay.

    ``answers[i]``: -1 no check at op i, 0 "exclusive", 1 "shared".
    ``truth[i]`` (when tracked): -1 no check, 0 no other mm maps, 1 another does.
    ``config`` is the configuration replayed under, or None when it was an
    encoding (then ``encoding`` is that encoding).
    """

    config: RmapConfig | None
    orders: np.ndarray  # int64, per folio
    mapcount: np.ndarray  # int64, per folio
    rmap_vals: np.ndarray  # uint64, (folios, max K); unused columns stay 0
    answers: np.ndarray  # int8, per op
    truth: np.ndarray | None = None  # int8, per op
    encoding: Encoding | None = None

    def checks(self) -> pd.DataFrame:
        """Tidy DataFrame of the checks: op, answer, truth, false_exclusive."""
        import pandas as pd

        idx = np.flatnonzero(self.answers >= 0)
        df = pd.DataFrame({"op": idx, "shared": self.answers[idx].astype(bool)})
        if self.truth is not None:
            df["truly_shared"] = self.truth[idx].astype(bool)
            df["false_exclusive"] = ~df["shared"] & df["truly_shared"]
            df["false_shared"] = df["shared"] & ~df["truly_shared"]
        return df

    def false_exclusive_count(self) -> int:
        if self.truth is None:
            raise ValueError("ground truth was not tracked (truth=False)")
        return int(np.count_nonzero((self.answers == 0) & (self.truth == 1)))


def _int_array(a, name: str, n: int | None) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ConfigError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iub":
        raise ConfigError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise ConfigError(f"{name} holds {int(arr.max())}: too large for int64")
    arr = arr.astype(np.int64)
    if n is not None and arr.shape[0] != n:
        raise ConfigError(f"{name} has {arr.shape[0]} entries, folio has {n}: lengths must match")
    return arr


def _orders_array(model: Model, orders, n_folios) -> np.ndarray:
    o = np.asarray(orders)
    if o.ndim == 0:
        if n_folios is None:
            raise ConfigError("n_folios is required when orders is a single order")
        n_folios = _check_int("n_folios", n_folios, 0, MAX_TRUTH_CELLS)
        o = np.full(n_folios, int(o), dtype=np.int64)
    o = _int_array(o, "orders", None)
    for order in np.unique(o):
        if isinstance(model, Encoding):
            # an encoding is the same for every order; only the page count differs
            _check_int("order", int(order), 0, MAX_ORDER)
        else:
            model.group_for(int(order))  # raises for an order the config does not cover
    return o


def make_stream(
    model: Model,
    n_folios: int,
    folio: ArrayLike,
    mm_id: ArrayLike,
    delta: ArrayLike,
    check: ArrayLike | None = None,
) -> Stream:
    """Validate and cast a stream; errors name the op and the allowed range."""
    model = _require_model(model)
    folio = _int_array(folio, "folio", None)
    n = folio.shape[0]
    mm_id = _int_array(mm_id, "mm_id", n)
    delta = _int_array(delta, "delta", n)
    if check is None:
        check = np.zeros(n, dtype=bool)
    else:
        check = np.asarray(check).astype(bool).reshape(-1)
        if check.shape[0] != n:
            raise ConfigError(
                f"check has {check.shape[0]} entries, folio has {n}: lengths must match"
            )
    if n:
        bad = np.flatnonzero((folio < 0) | (folio >= n_folios))
        if bad.size:
            i = int(bad[0])
            raise ConfigError(f"folio[{i}]={folio[i]} is out of range: allowed [0, {n_folios - 1}]")
        bad = np.flatnonzero((mm_id < 1) | (mm_id > model.max_id))
        if bad.size:
            i = int(bad[0])
            raise ConfigError(f"mm_id[{i}]={mm_id[i]} is out of range: allowed [1, {model.max_id}]")
        bad = np.flatnonzero(np.abs(delta) > MAX_MAPCOUNT)
        if bad.size:
            i = int(bad[0])
            raise ConfigError(
                f"delta[{i}]={delta[i]} is out of range: allowed [-{MAX_MAPCOUNT}, {MAX_MAPCOUNT}]"
            )
        _check_counts(folio, mm_id, delta)
    return Stream(folio, mm_id, delta, check)


def _running(keys: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running sum of ``delta`` per key, in stream order; returns (sums, order)."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    d = delta[order]
    cs = np.cumsum(d)
    starts = np.r_[True, k[1:] != k[:-1]]
    # position of each entry's group start, carried forward
    first = np.maximum.accumulate(np.where(starts, np.arange(k.size), 0))
    offset = (cs - d)[first]
    return cs - offset, order


def _check_counts(folio, mm_id, delta) -> None:
    _, mm_dense = np.unique(mm_id, return_inverse=True)
    pair = folio * (int(mm_dense.max()) + 1) + mm_dense
    held, order = _running(pair, delta)
    bad = np.flatnonzero(held < 0)
    if bad.size:
        i = int(order[bad].min())
        before = int(held[np.flatnonzero(order == i)[0]] - delta[i])
        raise RmapError(
            f"op {i}: delta={delta[i]} unmaps {-delta[i]} pages of folio {folio[i]} "
            f"for mm {mm_id[i]}, which maps {before}: allowed delta >= {-before}"
        )
    total, order = _running(folio, delta)
    bad = np.flatnonzero(total > MAX_MAPCOUNT)
    if bad.size:
        i = int(order[bad].min())
        raise RmapError(f"op {i}: folio {folio[i]} mapcount would exceed {MAX_MAPCOUNT} (atomic_t)")


def _resolve(
    model: Model, orders, folio, mm_id, delta, check, n_folios
) -> tuple[Model, np.ndarray, Stream]:
    model = _require_model(model)
    orders = _orders_array(model, orders, n_folios)
    return model, orders, make_stream(model, orders.shape[0], folio, mm_id, delta, check)


def addend_table(enc: Encoding, ids: np.ndarray) -> np.ndarray:
    """``uint64[len(ids), K]``: row ``i`` is ``enc.addends(ids[i])`` (ids
    already validated). Narrow slices are tabulated once per word
    (:meth:`Encoding.table_of`) and looked up for all ids at once; wide ones
    (a whole 24-bit id, hash64) are computed per id on Python ints."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    out = np.zeros((ids.size, enc.nr_values), dtype=np.uint64)
    if not ids.size:
        return out
    if enc.slice_bits <= min(_TABLE_SLICE_BITS, MAX_TABLE_BITS):
        for k, s in enumerate(enc.word_slice):
            v = (ids >> (s * enc.slice_bits)) & ((1 << enc.slice_width(s)) - 1)
            out[:, k] = np.array(enc.table_of(k), dtype=np.uint64)[v]
        return out
    for i, x in enumerate(ids.tolist()):
        out[i] = np.array(enc.addends(x), dtype=np.uint64)
    return out


def _encoding_inputs(enc: Encoding, orders: np.ndarray, stream: Stream) -> ReplayInputs:
    uniq, mm_dense = np.unique(stream.mm_id, return_inverse=True)
    # an empty stream still gets one (unused) row, as the kernel's shapes require
    table = addend_table(enc, uniq if uniq.size else np.ones(1, dtype=np.int64))
    return ReplayInputs(
        folio=stream.folio,
        mm=mm_dense.astype(np.int64).reshape(-1),
        delta=stream.delta,
        check=stream.check,
        fgroup=np.zeros(orders.shape[0], dtype=np.int64),  # one slot: the encoding
        nr_pages=(np.int64(1) << orders).astype(np.int64),
        group_nr_values=np.array([enc.nr_values], dtype=np.int64),
        subids=table.reshape(1, table.shape[0], enc.nr_values),
        mask=word_mask(enc.word_bits),
    )


def replay_inputs(model: Model, orders: np.ndarray, stream: Stream) -> ReplayInputs:
    """The replay kernel's named inputs for a validated ``stream`` over folios
    of ``orders`` (one per folio): dense mm indices and the addend table
    ``subids[slot, mm, k]``: one slot per group of a configuration (the
    posted sub-IDs), or one slot for an encoding (its addends).
    Benchmarks time the kernel on these."""
    from .subid import subids_array

    if isinstance(model, Encoding):
        return _encoding_inputs(model, orders, stream)
    cfg, nf = require_config(model), orders.shape[0]
    uniq, mm_dense = np.unique(stream.mm_id, return_inverse=True)
    used = sorted({cfg.group_index(int(o)) for o in np.unique(orders)}) if nf else []
    gslot = {g: j for j, g in enumerate(used)}
    kmax = max((cfg.groups[g].nr_values for g in used), default=1)
    subids = np.zeros((max(len(used), 1), max(uniq.size, 1), kmax), dtype=np.uint64)
    group_nr_values = np.ones(max(len(used), 1), dtype=np.int64)
    for g, j in gslot.items():
        grp = cfg.groups[g]
        group_nr_values[j] = grp.nr_values
        if uniq.size:
            subids[j, :, : grp.nr_values] = subids_array(cfg, grp.max_order, uniq)
    return ReplayInputs(
        folio=stream.folio,
        mm=mm_dense.astype(np.int64).reshape(-1),
        delta=stream.delta,
        check=stream.check,
        fgroup=np.array([gslot[cfg.group_index(int(o))] for o in orders], dtype=np.int64),
        nr_pages=(np.int64(1) << orders).astype(np.int64),
        group_nr_values=group_nr_values,
        subids=subids,
        mask=word_mask(cfg.word_bits),
    )


def replay(
    model: Model,
    orders: ArrayLike,
    folio: ArrayLike,
    mm_id: ArrayLike,
    delta: ArrayLike,
    check: ArrayLike | None = None,
    *,
    n_folios: int | None = None,
    truth: bool = True,
) -> ReplayResult:
    """Replay a stream with the numba kernel; bit-identical to :func:`replay_python`.

    ``orders`` is one order for all folios (then ``n_folios`` is required) or
    an array with the order of each folio. ``model`` is a configuration or
    an encoding (see the module docstring). With ``truth`` the kernel also
    tracks which mm holds how many mappings, to report the ground truth of
    every check.
    """
    model, orders, s = _resolve(model, orders, folio, mm_id, delta, check, n_folios)
    inp = replay_inputs(model, orders, s)
    if truth:
        nf, n_mms = orders.shape[0], inp.subids.shape[1]
        if nf * n_mms > MAX_TRUTH_CELLS:
            raise ConfigError(
                f"truth=True needs a {nf} x {n_mms} table: allowed folios * mms "
                f"<= {MAX_TRUTH_CELLS}; pass truth=False"
            )
    st, tr = replay_stream(inp, truth)
    return _result(
        model, orders, st.mapcount, st.rmap_vals, st.answers, tr.truth if tr is not None else None
    )


def _result(model: Model, orders, mapcount, rmap_vals, answers, truth) -> ReplayResult:
    enc = model if isinstance(model, Encoding) else None
    cfg = None if enc is not None else require_config(model)
    return ReplayResult(cfg, orders, mapcount, rmap_vals, answers, truth, encoding=enc)


def replay_python(
    model: Model,
    orders: ArrayLike,
    folio: ArrayLike,
    mm_id: ArrayLike,
    delta: ArrayLike,
    check: ArrayLike | None = None,
    *,
    n_folios: int | None = None,
) -> ReplayResult:
    """Replay a stream through :class:`Folio` objects (the pure-Python model)."""
    model, orders, s = _resolve(model, orders, folio, mm_id, delta, check, n_folios)
    folios = [Folio(model, int(o)) for o in orders]
    answers = np.full(len(s), -1, dtype=np.int8)
    truth = np.full(len(s), -1, dtype=np.int8)
    for i, (f, m, d, c) in enumerate(
        zip(s.folio.tolist(), s.mm_id.tolist(), s.delta.tolist(), s.check.tolist(), strict=False)
    ):
        fo = folios[f]
        if d > 0:
            fo.map(m, d)
        elif d < 0:
            fo.unmap(m, -d)
        if c:
            answers[i] = fo.mapped_shared(m)
            truth[i] = fo.truly_shared(m)
    kmax = max((fo.encoding.nr_values for fo in folios), default=1)
    values = np.zeros((len(folios), kmax), dtype=np.uint64)
    for j, fo in enumerate(folios):
        values[j, : len(fo.rmap_vals)] = np.array(fo.rmap_vals, dtype=np.uint64)
    mapcount = np.array([fo.mapcount for fo in folios], dtype=np.int64)
    return _result(model, orders, mapcount, values, answers, truth)


def value_updates(model: Model, orders: ArrayLike, folio: ArrayLike, delta: ArrayLike) -> int:
    """Number of rmap value updates a stream performs (K per map/unmap op)."""
    model = _require_model(model)
    orders = np.asarray(orders)
    f = np.asarray(folio, dtype=np.int64)
    d = np.asarray(delta, dtype=np.int64)
    if isinstance(model, Encoding):  # K is the encoding's, whatever the order
        for o in np.unique(orders).tolist():
            _check_int("order", o, 0, MAX_ORDER)
        return int(model.nr_values * np.count_nonzero(d))
    cfg = model
    if orders.ndim == 0:
        k = np.full(f.shape, cfg.group_for(int(orders)).nr_values)
    else:
        kv = np.array([cfg.group_for(int(o)).nr_values for o in orders], dtype=np.int64)
        k = kv[f]
    return int(np.sum(k[d != 0]))
