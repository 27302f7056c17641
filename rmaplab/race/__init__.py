"""Concurrent (un)mapping: the atomic seqcount, as a step model, explored exhaustively.

One room per idea:

* :mod:`.codes`: the posted word layout, protocol names, stage codes;
* :mod:`.layout`: the word layout as a parameter, and the bounds it implies;
* :mod:`.scenarios`: who maps what and which (un)maps run beside the reader;
* :mod:`.model`: the protocols one memory access at a time (the model's
  docstring states the protocol and the ground truth);
* :mod:`.explore`: every interleaving, breadth first (on packed states in
  numba via :mod:`.packed` and :mod:`rmaplab._kernels.race`, or on tuples,
  the kernel's twin); replay; a naive twin;
* :mod:`.litmus`: the same pattern as LKMM litmus tests; :mod:`.herd` runs herd7.

This package re-exports the public names, so ``from rmaplab import race`` and
``race.explore(...)`` keep working. The heat map is
:func:`rmaplab.plotting.race_chart`; :func:`race_chart` here feeds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .codes import (
    ANS_EXCL as ANS_EXCL,
)
from .codes import (
    ANS_NONE as ANS_NONE,
)
from .codes import (
    ANS_SHARED as ANS_SHARED,
)
from .codes import (
    DEFAULT_MAX_STATES as DEFAULT_MAX_STATES,
)
from .codes import (
    EXCL as EXCL,
)
from .codes import (
    MAPCOUNT as MAPCOUNT,
)
from .codes import (
    PROTOCOLS as PROTOCOLS,
)
from .codes import (
    R_BEGIN as R_BEGIN,
)
from .codes import (
    R_DONE as R_DONE,
)
from .codes import (
    R_N as R_N,
)
from .codes import (
    R_RETRY as R_RETRY,
)
from .codes import (
    R_V as R_V,
)
from .codes import (
    SEQ_STEP as SEQ_STEP,
)
from .codes import (
    SEQ_WORD_MASK as SEQ_WORD_MASK,
)
from .codes import (
    SHARED_BITS as SHARED_BITS,
)
from .codes import (
    W_ADD as W_ADD,
)
from .codes import (
    W_BODY as W_BODY,
)
from .codes import (
    W_CAS as W_CAS,
)
from .codes import (
    W_DONE as W_DONE,
)
from .codes import (
    W_LOAD as W_LOAD,
)
from .codes import (
    W_SPIN as W_SPIN,
)
from .codes import (
    W_XBODY as W_XBODY,
)
from .codes import (
    WRITERS_MASK as WRITERS_MASK,
)
from .explore import (
    ExploreResult,
    explore,
    explore_all,
    naive_enumerate,
    race_outcomes,
    replay,
    scenario_rows,
    scenario_table,
)
from .layout import LAYOUTS, Layout, get_layout, layout_bounds, layout_note
from .litmus import litmus_tests
from .model import Model
from .scenarios import SCENARIOS, Scenario, get_scenario, scenario_names

if TYPE_CHECKING:  # pandas loads where a frame is built: `race --list` needs none
    import pandas as pd

__all__ = [
    "DEFAULT_MAX_STATES",
    "EXCL",
    "LAYOUTS",
    "PROTOCOLS",
    "SCENARIOS",
    "SEQ_STEP",
    "WRITERS_MASK",
    "ExploreResult",
    "Layout",
    "Model",
    "Scenario",
    "explore",
    "explore_all",
    "get_layout",
    "get_scenario",
    "layout_bounds",
    "layout_note",
    "litmus_tests",
    "naive_enumerate",
    "race_chart",
    "race_outcomes",
    "replay",
    "scenario_names",
    "scenario_rows",
    "scenario_table",
]


def race_chart(results: pd.DataFrame) -> Any:
    """Heat map of :func:`explore_all` results (an ``alt.Chart``): the outcome
    columns come from :func:`race_outcomes`, the drawing from
    :func:`rmaplab.plotting.race_chart`."""
    from ..plotting import race_chart as draw

    return draw(race_outcomes(results), protocols=list(PROTOCOLS))
