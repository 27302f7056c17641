"""The race scenarios: who maps what, and which (un)maps run beside the reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..config import DEFAULT_CONFIG, ConfigError, RmapConfig
from .codes import PROTOCOLS

if TYPE_CHECKING:
    from ..encodings import Encoding

__all__ = ["SCENARIOS", "Scenario", "get_scenario", "scenario_names"]


#: Specs written before the encoding shorthands were unified name the posted
#: sub-IDs by their family; they replay as the shorthand.
_OLD_SHORTHANDS = {"digits": "posted"}


@dataclass(frozen=True)
class Scenario:
    """Who maps what, and which (un)maps run concurrently with the reader.

    ``mapped``: initial ``(mm, pages)``. ``writers``: one tuple of ``(mm,
    pages)`` operations per writer CPU, positive to map, negative to unmap,
    run in order. ``reader``: the mm whose ``folio_mapped_shared`` runs.
    """

    name: str
    order: int
    reader: int
    mapped: tuple[tuple[int, int], ...]
    writers: tuple[tuple[tuple[int, int], ...], ...]
    try_exclusive: bool = True
    config: RmapConfig = DEFAULT_CONFIG
    #: an encoding shorthand (rmaplab.encodings.names): ``posted`` (the posted
    #: sub-IDs) or ``moments`` (2 words: id and id**2; the check is the same
    #: word == n * addend)
    encoding: str = "posted"
    note: str = field(default="", compare=False)

    @property
    def pages(self) -> int:
        return 1 << self.order

    @cached_property
    def enc(self) -> Encoding:
        """The :class:`~rmaplab.encodings.Encoding` the scenario's shorthand
        means for its configuration at its order, resolved once here: the
        model, the explorers and the litmus text take it, not the
        configuration."""
        from ..encodings.names import resolve_encoding

        return resolve_encoding(self.encoding, self.order, self.config)

    @property
    def mms(self) -> list[int]:
        seen = {self.reader}
        seen.update(m for m, _ in self.mapped)
        seen.update(m for ops in self.writers for m, _ in ops)
        return sorted(seen)

    def spec(self) -> dict:
        """Everything needed to rebuild the scenario (JSON-ready)."""
        return {
            "name": self.name,
            "config": self.config.name,
            "order": self.order,
            "reader": self.reader,
            "mapped": [list(p) for p in self.mapped],
            "writers": [[list(p) for p in ops] for ops in self.writers],
            "try_exclusive": self.try_exclusive,
            "encoding": self.encoding,
        }

    @classmethod
    def from_spec(cls, spec: dict) -> Scenario:
        """The scenario :meth:`spec` describes (built-in configurations only)."""
        from ..config import get_config

        return cls(
            spec["name"],
            int(spec["order"]),
            int(spec["reader"]),
            tuple((int(m), int(c)) for m, c in spec["mapped"]),
            tuple(tuple((int(m), int(c)) for m, c in ops) for ops in spec["writers"]),
            bool(spec.get("try_exclusive", True)),
            get_config(spec.get("config", DEFAULT_CONFIG.name)),
            _OLD_SHORTHANDS.get(str(spec.get("encoding")), str(spec.get("encoding", "posted"))),
        )

    def describe(self) -> str:
        def ops(o):
            return ", ".join(f"{'map' if c > 0 else 'unmap'} {abs(c)} mm{m}" for m, c in o)

        init = ", ".join(f"mm{m}:{c}" for m, c in self.mapped)
        ws = "; ".join(f"W{i}: {ops(o)}" for i, o in enumerate(self.writers))
        enc = "" if self.encoding == Scenario.encoding else f", {self.encoding} encoding"
        return f"{self.pages} pages{enc}, reader mm{self.reader}, mapped {init}; {ws}"


# The scenarios ``rmaplab race --list`` shows. The ids are chosen so that torn
# reads *can* match: with K = 1 a false exclusive needs a third mm whose
# sub-ID digits fill the gap (ids 1 + 2 look like id 3); with K = 2 two mms
# suffice when the values are read at different moments (id 4097 has slices
# (1, 1), id 1 has (1, 0)).
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "tiny",
        1,
        1,
        ((1, 1), (2, 1)),
        (((2, -1),),),
        note="smallest: mm2 unmaps its page",
    ),
    Scenario(
        "2mm-1w",
        1,
        1,
        ((1, 1), (2, 1)),
        (((2, -1), (2, 1)),),
        note="2 mms, K=1: no torn read can match",
    ),
    Scenario(
        "3mm-1w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)),),
        note="ids 1+2 look like id 3",
    ),
    Scenario(
        "3mm-2w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        note="3mm-1w, and mm3 maps a page",
    ),
    Scenario(
        "3mm-2w-sh",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        try_exclusive=False,
        note="3mm-2w, writers never try exclusive",
    ),
    Scenario(
        "3mm-3w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1),), ((1, 1),), ((3, -1),)),
        note="three writers, one op each",
    ),
    Scenario(
        "k2-2mm-2w",
        3,
        4097,
        ((4097, 1), (1, 1)),
        (((4097, 1),), ((1, 1), (1, -1))),
        note="values read at different moments",
    ),
    Scenario(
        "k2-3mm-2w",
        4,
        4099,
        ((4099, 1), (1, 1)),
        (((4098, 1),), ((1, 1), (1, -1))),
        note="ids 1+4098 look like id 4099",
    ),
    Scenario(
        "k2-3mm-3w",
        4,
        4099,
        ((4099, 1), (1, 1)),
        (((4098, 1),), ((1, 1), (1, -1)), ((4099, 1),)),
        note="k2-3mm-2w, and mm4099 maps a page",
    ),
    Scenario(
        "mom-3mm-2w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        note="3mm-2w, moments encoding (x, x*x)",
        encoding="moments",
    ),
    Scenario(
        "mom-2mm-2w",
        2,
        2,
        ((2, 1), (1, 2)),
        (((2, 1),), ((1, 2),)),
        note="moments: words read at different moments",
        encoding="moments",
    ),
    Scenario(
        "3mm-own-go",
        2,
        3,
        ((1, 1), (2, 1), (3, 2)),
        (((1, -1),), ((2, -1),)),
        note="both slot owners unmap, mm3 stays",
    ),
    Scenario(
        "3mm-churn",
        2,
        1,
        ((1, 1), (2, 1)),
        (((2, -1), (2, 1)), ((3, 1), (3, -1))),
        note="a slot freed and taken again",
    ),
    Scenario(
        "3mm-own-swap",
        2,
        3,
        ((1, 1), (2, 1), (3, 1)),
        (((1, -1),), ((2, -1),), ((3, 1),)),
        note="owners go, the reader maps more",
    ),
    Scenario(
        "k3-2mm-1w",
        6,
        65793,
        ((65793, 1), (1, 1)),
        (((65793, 1),),),
        note="order 6: the posted K=3 group",
    ),
)


def scenario_names() -> list[str]:
    return [s.name for s in SCENARIOS]


def get_scenario(name: Scenario | str) -> Scenario:
    if isinstance(name, Scenario):
        return name
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise ConfigError(f"scenario={name!r} is unknown: allowed {', '.join(scenario_names())}")


def _check_protocol(protocol) -> str:
    if protocol not in PROTOCOLS:
        raise ConfigError(f"protocol={protocol!r} is unknown: allowed {', '.join(PROTOCOLS)}")
    return protocol
