"""Every table, chart and plain-text view, defined once.

A :class:`View` names one result and says how to build it: ``frame`` (the
tidy DataFrame, from a resolved :class:`Params`), ``text`` (plain text of at
most 72 columns, for mail) and ``chart`` (an ``alt.Chart``). The CLI, the
report (:mod:`rmaplab.report`) and the notebooks' export controls
(:func:`rmaplab.widgets.export_control`) all render through :data:`VIEWS`,
so a column list or a title is written in one place.

``text`` and ``chart`` take the frame and the parameters; a caller that
already holds a frame (a notebook cell, a CLI command with its own options)
passes it instead of having the view compute it. The view computes whatever
a chart draws (bounds, rates, intervals); the chart (:mod:`rmaplab.plotting`)
only draws.

One module per idea: :mod:`.base` (Params, View), :mod:`.proofs`,
:mod:`.costs`, :mod:`.designs` and :mod:`.schemes`; this module holds the
registry and re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import config_table
from ..labels import orders_label
from .base import Params, View, _r615, unsafe_order, verdicts
from .costs import (
    COST_COLUMNS,
    COST_HEADERS,
    _atomics_model_frame,
    _atomics_model_text,
    _cheapest_frame,
    _cheapest_text,
    _cost_bars_text,
    _cost_chart,
    _cost_frame,
    _cost_text,
    _published_chart,
    _published_frame,
    _tradeoff_frame,
)
from .designs import (
    BENCH_ENCODINGS_CMD,
    DESIGN_COST_NOTE,
    DESIGN_MAX_ORDER,
    DESIGN_POST_ORDERS,
    DESIGN_SCOPE,
    DESIGN_WIDTHS,
    ONE_VALUE_ORDERS,
    ONE_VALUE_WORD_BITS,
    TINY_FRONTIER_BITS,
    TINY_FRONTIER_WORDS,
    _design_chart,
    _design_cost_frame,
    _design_cost_text,
    _design_frame_copy,
    _id_space_frame,
    _id_space_text,
    _one_value_chart,
    _one_value_frame,
    _one_value_text,
    _tiny_frontier_chart,
    _tiny_frontier_frame,
    design_orders,
    design_text,
    tiny_frontier_text,
)
from .proofs import (
    _frontier_chart,
    _frontier_frame,
    _frontier_text,
    _proof_frame,
    _proof_text,
    _steps_frame,
    _steps_text,
    _table_text,
    _verify_csv,
    _verify_text,
    frontier_points,
)
from .schemes import (
    REPORT_ENCODINGS,
    SCHEMES_COST_NOTE,
    SWEEP_ENCODINGS,
    SWEEP_MMS,
    SWEEP_ORDER,
    SWEEP_SEEDS,
    _adversarial_frame,
    _collide_frame,
    _collide_mms_chart,
    _collide_mms_text,
    _collide_sweep_frame,
    _collide_text,
    _false_shared_chart,
    _false_shared_text,
    _schemes_frame,
    _schemes_text,
    _sweep_frame,
    counterexample_replay,
    false_shared_rates,
    scheme_totals,
    schemes_table_text,
)

__all__ = [
    "BENCH_ENCODINGS_CMD",
    "COST_COLUMNS",
    "COST_HEADERS",
    "DESIGN_COST_NOTE",
    "DESIGN_MAX_ORDER",
    "DESIGN_POST_ORDERS",
    "DESIGN_SCOPE",
    "DESIGN_WIDTHS",
    "ONE_VALUE_ORDERS",
    "ONE_VALUE_VIEW",
    "ONE_VALUE_WORD_BITS",
    "REPORT_ENCODINGS",
    "SCHEMES_COST_NOTE",
    "SWEEP_ENCODINGS",
    "SWEEP_MMS",
    "SWEEP_ORDER",
    "SWEEP_SEEDS",
    "TINY_FRONTIER_BITS",
    "TINY_FRONTIER_WORDS",
    "VIEWS",
    "Params",
    "View",
    "counterexample_replay",
    "design_orders",
    "design_text",
    "export_items",
    "false_shared_rates",
    "frontier_points",
    "orders_label",
    "scheme_totals",
    "schemes_table_text",
    "tiny_frontier_text",
    "unsafe_order",
    "verdicts",
    "view",
]


VIEWS: dict[str, View] = {
    v.name: v
    for v in [
        View("table", lambda p: config_table(p.config), _table_text),
        View("verify", verdicts, _verify_text, csv_frame=_verify_csv),
        View("frontier", _frontier_frame, _frontier_text, _frontier_chart, csv=None),
        View("proof", _proof_frame, _proof_text, csv=None),
        View("counterexample_steps", _steps_frame, _steps_text, csv=None),
        View(
            "cost",
            _cost_frame,
            _cost_text,
            _cost_chart,
        ),
        View("cost_bars", _cost_frame, _cost_bars_text, csv=None),
        View("published", _published_frame, None, _published_chart, csv=None),
        View("atomics_model", _atomics_model_frame, _atomics_model_text),
        View("tradeoff", _tradeoff_frame),
        View("cheapest_safe", _cheapest_frame, _cheapest_text),
        View("design", _design_frame_copy, lambda df, p: design_text(df, p), _design_chart),
        View("design_cost", _design_cost_frame, _design_cost_text),
        View("frontier_tables", _tiny_frontier_frame, tiny_frontier_text, _tiny_frontier_chart),
        View("schemes", _schemes_frame, _schemes_text),
        View(
            "false_shared", _sweep_frame, _false_shared_text, _false_shared_chart, "schemes_sweep"
        ),
        View("collide", _collide_frame, _collide_text),
        View("collide_adversarial", _adversarial_frame),
        View(
            "collide_mms",
            _collide_sweep_frame,
            _collide_mms_text,
            _collide_mms_chart,
            "collide_sweep",
        ),
        View(
            "versus_615",
            lambda p: _r615().versus_frame(p),
            lambda df, p: _r615().versus_text(df, p),
            lambda df, p: _r615().versus_chart(df, p),
        ),
        View("versus_615_sweep", lambda p: _r615().versus_sweep_frame(p)),
        View(
            "race_615",
            lambda p: _r615().race_615_frame(p),
            lambda df, p: _r615().race_615_text(df, p),
        ),
        View(
            "litmus",
            lambda p: _r615().litmus_frame(p),
            lambda df, p: _r615().litmus_text(df, p),
            csv_frame=lambda df: df.drop(columns="name"),
        ),
        View("one_value", _one_value_frame, _one_value_text, _one_value_chart),
        View("id_space", _id_space_frame, _id_space_text),
    ]
}


#: Issue 20's chart of proven id bits against order (a report part, "one value").
ONE_VALUE_VIEW = VIEWS["one_value"]


def view(name: str) -> View:
    """The view called ``name`` (a :class:`~rmaplab.config.ConfigError` names the choices)."""
    from ..config import ConfigError

    try:
        return VIEWS[name]
    except KeyError:
        raise ConfigError(f"view={name!r} is unknown: allowed {', '.join(VIEWS)}") from None


def export_items(
    names: Sequence[str], params: Params | None = None, frames: dict | None = None
) -> dict:
    """``name -> (chart or None, text or None)`` for :func:`rmaplab.widgets.export_control`.

    ``frames`` maps a view name to a frame the notebook already computed (its
    own sweep, say); the others are computed for ``params``.
    """
    params = params or Params()
    frames = frames or {}
    out = {}
    for name in names:
        v = view(name)
        df = frames[name] if name in frames else v.build(params)
        out[name] = (v.render_chart(df, params), v.render_text(df, params))
    return out
