"""Chart builders: each returns an ``alt.Chart`` from tidy library results.

Tested through ``Chart.to_dict()`` (``tests/test_figure_specs.py`` checks
every chart's spec). A chart draws what its frame holds and computes
nothing: the frame's owner (a view, :mod:`rmaplab.views`) computes bounds,
rates and intervals. One module per idea:

* :mod:`.frontier`: verdicts, the frontier, tiny analogues, one value;
* :mod:`.costs`: cost, published overhead, measured updates, designs, 6.15;
* :mod:`.probability`: false shared, P(false exclusive), races.

Importing this package selects altair's ``mimetype`` renderer, which
JupyterLab renders offline.
"""

from __future__ import annotations

import altair as alt


def use_offline_renderer() -> None:
    """Charts as ``application/vnd.vegalite.v5+json``: JupyterLab 4 renders that
    mimetype with its bundled Vega, offline. Altair's default renderer emits
    HTML that loads Vega from a CDN, which fails behind firewalls."""
    alt.renderers.enable("mimetype")


use_offline_renderer()

from ..frontier_bounds import (  # noqa: E402
    BOUND_DIGITS,
    BOUND_LINEAR,
    BOUND_TABLE,
    LINEAR_FAMILY,
    frontier_frame,
)
from ._common import VERDICT_COLORS  # noqa: E402
from .costs import (  # noqa: E402
    COST_TITLES,
    atomics_chart,
    cost_chart,
    design_chart,
    published_chart,
    shape_cost_chart,
)
from .frontier import (  # noqa: E402
    ONE_VALUE_REFERENCES,
    TINY_FRONTIER_SERIES,
    frontier_chart,
    one_value_chart,
    tiny_frontier_chart,
    verdict_chart,
)
from .probability import (  # noqa: E402
    PARAM_TITLES,
    UPPER_BOUND,
    false_shared_chart,
    probability_chart,
    race_chart,
)

__all__ = [
    "BOUND_DIGITS",
    "BOUND_LINEAR",
    "BOUND_TABLE",
    "COST_TITLES",
    "LINEAR_FAMILY",
    "ONE_VALUE_REFERENCES",
    "PARAM_TITLES",
    "TINY_FRONTIER_SERIES",
    "UPPER_BOUND",
    "VERDICT_COLORS",
    "atomics_chart",
    "cost_chart",
    "design_chart",
    "false_shared_chart",
    "frontier_chart",
    "frontier_frame",
    "one_value_chart",
    "probability_chart",
    "published_chart",
    "race_chart",
    "shape_cost_chart",
    "tiny_frontier_chart",
    "use_offline_renderer",
    "verdict_chart",
]
