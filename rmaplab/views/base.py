"""What every view shares: :class:`Params` (what a view is computed for),
:class:`View` (frame, text, chart, CSV) and the verdicts several views read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..config import DEFAULT_CONFIG, RmapConfig


@dataclass(frozen=True)
class Params:
    """What a view is computed for: a resolved configuration, quick or full, a seed."""

    config: RmapConfig = DEFAULT_CONFIG
    quick: bool = False
    seed: int = 0

    @property
    def trials(self) -> int:
        """Monte Carlo trials per collision estimate."""
        return 20_000 if self.quick else 200_000

    @property
    def schemes_order(self) -> int:
        """x86-64 PMD THP (order 9) when the configuration covers it."""
        return 9 if 9 in self.config.orders else self.config.max_order


@dataclass(frozen=True)
class View:
    """One result: its frame, its plain text, its chart and the CSV it is saved as."""

    name: str
    frame: Callable[[Params], pd.DataFrame]
    text: Callable[[pd.DataFrame, Params], str | None] | None = None
    chart: Callable[[pd.DataFrame, Params], object] | None = None
    #: CSV file stem (None: no CSV); defaults to the view's name
    csv: str | None = ""
    #: the frame as saved (e.g. JSON-encoded cells); default: the frame itself
    csv_frame: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    @property
    def csv_name(self) -> str | None:
        return self.name if self.csv == "" else self.csv

    def build(self, params: Params) -> pd.DataFrame:
        return self.frame(params)

    def render_text(self, frame: pd.DataFrame, params: Params) -> str | None:
        return None if self.text is None else self.text(frame, params)

    def render_chart(self, frame: pd.DataFrame, params: Params) -> object:
        return None if self.chart is None else self.chart(frame, params)

    def to_csv(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self.csv_frame is None else self.csv_frame(frame)


@lru_cache(maxsize=8)
def verdicts(params: Params) -> pd.DataFrame:
    """:func:`rmaplab.verify.verify_all` of the configuration."""
    from ..verify import verify_all

    return verify_all(params.config)


def unsafe_order(params: Params) -> int | None:
    """The largest unsafe order: the one whose counterexample the report replays."""
    df = verdicts(params)
    unsafe = df[df["verdict"] == "unsafe"]
    return int(unsafe["order"].max()) if len(unsafe) else None


def _plotting():
    from .. import plotting

    return plotting


def _r615():
    from .. import report_615

    return report_615
