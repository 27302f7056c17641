"""``rmaplab race`` and ``rmaplab race-stress``: the seqcount, explored and stressed."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError
from ..export import text_table, wrap
from ..validate import (
    check_choice,
    check_names,
    check_out_dir,
    float_arg,
    int_arg,
    parse_int,
    refuse_options,
)
from ._common import given_flags

if TYPE_CHECKING:
    import pandas as pd

    from ..race import ExploreResult

__all__ = ["add_parser", "cmd_race", "cmd_race_stress", "race_json"]

HELP = {
    "race": "the atomic seqcount: every interleaving, explored",
    "race-stress": "writer and reader threads on one folio (C11)",
}
#: --max-states: at least one; 1e9 states would not fit in memory here
MAX_STATES_RANGE = (1, 10**9)
#: race-stress: seconds per protocol, writer threads, rmap values K
STRESS_SECONDS_RANGE = (0.01, 600.0)
STRESS_WRITERS_RANGE = (1, 4)
STRESS_VALUES_RANGE = (1, 3)


def _check_race_args(args: argparse.Namespace, race: Any) -> None:
    """Names against their lists, and no option a mode would ignore."""
    if args.scenario is not None:
        check_choice("--scenario", args.scenario, race.scenario_names())
    if args.protocol is not None:
        check_choice("--protocol", args.protocol, race.PROTOCOLS)
    if args.list:
        refuse_options(
            {
                "--scenario": args.scenario is not None,
                "--protocol": args.protocol is not None,
                "--all": args.all,
                "--litmus": args.litmus is not None,
                "--max-states": "--max-states" in given_flags(args),
            },
            "--list",
        )
    if args.litmus is not None:
        refuse_options(
            {
                "--scenario": args.scenario is not None,
                "--protocol": args.protocol is not None,
                "--all": args.all,
                "--json": args.json,
                "--max-states": "--max-states" in given_flags(args),
            },
            "--litmus (it writes every litmus test)",
        )
        check_out_dir("--litmus", args.litmus)


def _emit_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")


def race_json(result: ExploreResult, steps: pd.DataFrame | None = None) -> dict:
    """The stable JSON record of one exploration (``example``: null or steps)."""
    d = result.summary()
    if result.example is not None:
        if steps is None:
            from ..race import replay

            steps = replay(result.scenario, result.protocol, result.example)
        d["example"] = [{"cpu": r.cpu, "action": r.action} for r in steps.iloc[1:].itertuples()]
    d["example_kind"] = (
        None
        if result.example is None
        else ("false_exclusive" if result.false_exclusive else "false_shared")
    )
    d["max_states"] = result.max_states
    from ..race import get_scenario

    d["scenario_spec"] = get_scenario(result.scenario).spec()
    return d


def _steps_text(steps) -> str:
    k = sum(1 for c in steps.columns if c.startswith("value"))
    lines = []
    for r in steps.itertuples():
        vals = " ".join(f"{getattr(r, f'value{j}'):#x}" for j in range(k))
        word = (r.seq << 17) | (1 << 16 if r.excl else 0) | r.writers
        state = f"word {word:#x}  mapcount {r.mapcount}"
        lines.append(f"{r.step:3d} {r.cpu or '-':2s} {r.action}"[:72])
        lines.append(f"       {state}  values {vals}"[:72])
    return "\n".join(lines)


def cmd_race(args: argparse.Namespace) -> int:
    from .. import race

    _check_race_args(args, race)
    if args.litmus:
        out = Path(args.litmus)
        tests = race.litmus_tests()
        out.mkdir(parents=True, exist_ok=True)
        for name, text in tests.items():
            (out / name).write_text(text)
        print(
            wrap(
                f"wrote {len(tests)} LKMM litmus tests to {out} "
                "(tools/memory-model C format). rmaplab did NOT run them: "
                "run herd7 -conf linux-kernel.cfg FILE elsewhere; the "
                "'Expected' lines are expectations, not results."
            )
        )
        return 0
    if args.list:
        rows = race.scenario_rows()  # rows, not a frame: --list loads no pandas
        if args.json:
            _emit_json(
                {
                    "scenarios": rows,
                    "protocols": race.PROTOCOLS,
                }
            )
            return 0
        print(
            text_table(
                rows,
                columns=["scenario", "pages", "values", "mms", "writers", "note"],
                headers=["scenario", "pages", "K", "mms", "W", "note"],
            )
        )
        print()
        for s in race.SCENARIOS:
            print(textwrap.fill(f"{s.name}: {s.describe()}", 72, subsequent_indent="    "))
        print()
        print("protocols:")
        for p, d in race.PROTOCOLS.items():
            print(textwrap.fill(f"{p}: {d}", 72, initial_indent="  ", subsequent_indent="    "))
        return 0
    if args.all:
        scs = [args.scenario] if args.scenario else None
        prs = [args.protocol] if args.protocol else None
        if args.json:
            recs = []
            for s in scs or race.SCENARIOS:
                for p in prs or race.PROTOCOLS:
                    r = race.explore(s, p, max_states=args.max_states)
                    steps = race.replay(s, p, r.example) if r.example else None
                    recs.append(race_json(r, steps))
            _emit_json(recs)
            return 0
        df = race.explore_all(scs, prs, max_states=args.max_states, progress=True)
        df = df.rename(columns={"false_exclusive": "false_excl", "false_shared": "false_sh"})
        print(
            text_table(
                df,
                columns=["scenario", "protocol", "states", "complete", "false_excl", "false_sh"],
            )
        )
        return 0
    if not args.scenario:
        raise ConfigError(
            f"--scenario is required (or --list, --all): allowed {', '.join(race.scenario_names())}"
        )
    sc = race.get_scenario(args.scenario)
    protocol = args.protocol or "seqcount"
    if protocol not in race.PROTOCOLS:
        raise ConfigError(f"protocol={protocol!r} is unknown: allowed {', '.join(race.PROTOCOLS)}")
    r = race.explore(sc, protocol, max_states=args.max_states, progress=not args.json)
    steps = race.replay(sc, protocol, r.example) if r.example else None
    if args.json:
        _emit_json(race_json(r, steps))
        return 0
    print(wrap(f"scenario {sc.name}: {sc.describe()}"))
    print(
        wrap(
            f"protocol {protocol}: {r.states} states, "
            + (
                "complete (every interleaving explored)"
                if r.complete
                else f"INCOMPLETE: stopped at the budget of {r.max_states} states; "
                "no claim about the rest"
            )
        )
    )
    print(
        f"false exclusive: {r.false_exclusive}  false shared: {r.false_shared}"
        f"  correct returns: {r.correct}"
    )
    print("(distinct states in which the reader has just returned that answer)")
    if steps is not None and r.example is not None:
        kind = "false exclusive" if r.false_exclusive else "false shared"
        print()
        print(wrap(f"shortest {kind} ({len(r.example)} steps): {' '.join(r.example)}"))
        print(_steps_text(steps))
    return 0


def cmd_race_stress(args: argparse.Namespace) -> int:
    from ..atomics import machine_info
    from ..race_stress import STRESS_MODES, stress

    prs = check_names("--protocols", args.protocols, STRESS_MODES)
    values = [parse_int(args.values, "--values", *STRESS_VALUES_RANGE)]
    info = machine_info()
    df = stress(
        prs,
        args.seconds,
        args.writers,
        values[0],
        exclusive=not args.no_exclusive,
        progress=not args.json,
    )
    if args.json:
        _emit_json({"machine": info, "rows": df.to_dict(orient="records")})
        return 0
    print(wrap(f"{info['cpu']} ({info['arch']}, {info['cores']} cores), {info['cc']} -O2"))
    print(
        wrap(
            f"{args.writers} writer thread(s) map and unmap a page for mm C; one "
            "reader checks mm X; mm B maps a page throughout, so every "
            "'exclusive' is a false exclusive. K = "
            f"{values[0]}, {args.seconds:g} s per protocol."
        )
    )
    print()
    t = df.assign(
        checks_s=df["checks_per_s"].map(lambda v: f"{v:.3g}"),
        false_s=df["false_exclusive_per_s"].map(lambda v: f"{v:.3g}"),
        retries_s=df["retries_per_s"].map(lambda v: f"{v:.3g}"),
    )
    print(
        text_table(
            t,
            columns=["protocol", "checks", "false_exclusive", "checks_s", "false_s", "retries_s"],
            headers=["protocol", "checks", "false excl", "checks/s", "false/s", "retries/s"],
        )
    )
    for row in df.itertuples():
        if row.lost_mapcount or row.values_off:
            print(
                wrap(
                    f"{row.protocol}: updates were lost: every map was undone, yet the "
                    f"mapcount ends {row.lost_mapcount:+d} off and {row.values_off} "
                    "rmap value(s) differ from the start."
                )
            )
        if row.false_exclusive == 0 and row.protocol != "seqcount":
            print(
                wrap(
                    f"{row.protocol}: no false exclusive observed in {row.seconds} s on "
                    "this machine (the model shows the interleavings exist)."
                )
            )
    return 0


def add_parser(sub: Any) -> None:
    """Register ``race`` and ``race-stress`` on the ``rmaplab`` subparsers."""
    from ..race import DEFAULT_MAX_STATES

    ra = sub.add_parser("race", help=HELP["race"])
    ra.add_argument("--list", action="store_true", help="name the scenarios and protocols")
    ra.add_argument("--scenario", help="scenario name (see --list)")
    ra.add_argument("--protocol", help="none, seqcount (default), no-wait, early-end, no-excl-wait")
    ra.add_argument("--all", action="store_true", help="every scenario and protocol")
    ra.add_argument(
        "--max-states",
        type=int_arg(*MAX_STATES_RANGE),
        default=DEFAULT_MAX_STATES,
        help=f"state budget (default {DEFAULT_MAX_STATES})",
    )
    ra.add_argument("--litmus", metavar="DIR", help="write LKMM litmus tests (not run)")
    ra.add_argument("--json", action="store_true")
    ra.set_defaults(func=cmd_race)

    rs = sub.add_parser("race-stress", help=HELP["race-stress"])
    rs.add_argument(
        "--protocols",
        default="seqcount,none",
        help="comma-separated: seqcount, none, no-wait, no-excl-wait, early-end",
    )
    rs.add_argument(
        "--seconds",
        type=float_arg(*STRESS_SECONDS_RANGE),
        default=2.0,
        help="per protocol ({:g}..{:g})".format(*STRESS_SECONDS_RANGE),
    )
    rs.add_argument(
        "--writers",
        type=int_arg(*STRESS_WRITERS_RANGE),
        default=1,
        help="writer threads ({}..{})".format(*STRESS_WRITERS_RANGE),
    )
    rs.add_argument(
        "--values", default="1", help="K rmap values ({}..{})".format(*STRESS_VALUES_RANGE)
    )
    rs.add_argument("--no-exclusive", action="store_true", help="writers never try exclusive")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_race_stress)


add_parsers = add_parser  # the name every command group module uses
