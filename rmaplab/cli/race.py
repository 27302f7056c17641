"""``rmaplab race`` and ``rmaplab race-stress``: the seqcount, explored and stressed."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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
#: narrow seqcount layouts and the starvation check's rounds (rmaplab.race.layout)
SEQ_BITS_RANGE = (1, 47)
WRITER_BITS_RANGE = (1, 16)
STARVATION_RANGE = (1, 50)


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
    if args.litmus is None:
        refuse_options(
            {"--herd7": args.herd7 is not None, "--lkmm": args.lkmm is not None},
            "no --litmus (they run the litmus tests --litmus writes)",
        )
    if args.litmus is not None:
        refuse_options(
            {
                "--scenario": args.scenario is not None,
                "--protocol": args.protocol is not None,
                "--all": args.all,
                "--max-states": "--max-states" in given_flags(args),
                "--layout": args.layout is not None,
                "--seq-bits": args.seq_bits is not None,
                "--writer-bits": args.writer_bits is not None,
                "--starvation": args.starvation is not None,
            },
            "--litmus (it writes every litmus test)",
        )
        check_out_dir("--litmus", args.litmus)


def _emit_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")


def race_json(result: ExploreResult, steps: pd.DataFrame | None = None) -> dict:
    """The stable JSON record of one exploration (``example``: null or steps)."""
    from ..race import replay

    d = result.summary()
    if result.example is not None:
        if steps is None:
            from ..race import replay

            steps = replay(result.scenario, result.protocol, result.example, result.layout)
        d["example"] = [{"cpu": r.cpu, "action": r.action} for r in steps.iloc[1:].itertuples()]
    d["example_kind"] = (
        None
        if result.example is None
        else ("false_exclusive" if result.false_exclusive else "false_shared")
    )
    d["max_states"] = result.max_states
    from ..race import get_scenario

    d["scenario_spec"] = get_scenario(result.scenario).spec()
    d["layout"] = result.layout.spec()
    d["stuck_states"] = d.pop("stuck_states")  # new fields after the old ones
    d["outside_contract"] = result.outside_contract
    d["stuck_example"] = None
    if result.stuck_example is not None:
        st = replay(result.scenario, result.protocol, result.stuck_example, result.layout)
        d["stuck_example"] = [{"cpu": r.cpu, "action": r.action} for r in st.iloc[1:].itertuples()]
    return d


def _steps_text(steps) -> str:
    k = sum(1 for c in steps.columns if c.startswith("value"))
    lines = []
    for r in steps.itertuples():
        vals = " ".join(f"{getattr(r, f'value{j}'):#x}" for j in range(k))
        state = f"word {r.word:#x}  mapcount {r.mapcount}"
        lines.append(f"{r.step:3d} {r.cpu or '-':2s} {r.action}"[:72])
        lines.append(f"       {state}  values {vals}"[:72])
    return "\n".join(lines)


def _litmus_dir(path: str) -> Path:
    """``--litmus DIR``, refused (exit 2, nothing written) unless it is a folder
    that exists and is writable, or can be created in a writable parent."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"litmus={path!r} is a file: allowed a folder (new or existing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise ConfigError(
            f"litmus={path!r} is not writable ({e.strerror}): allowed a writable folder"
        ) from None
    return out


def _cmd_litmus(args: argparse.Namespace) -> int:
    from ..race.herd import HOW_TO_GET_HERD7, find_lkmm, run_tests

    herd7 = None
    if args.herd7:
        p = Path(args.herd7)
        if not (p.is_file() and os.access(p, os.X_OK)):
            raise ConfigError(f"herd7={args.herd7!r} is not an executable file: {HOW_TO_GET_HERD7}")
        herd7 = str(p.resolve())
        if find_lkmm(herd7, args.lkmm) is None:
            raise ConfigError(
                f"lkmm={args.lkmm!r}: no linux-kernel.cfg there, in RMAPLAB_LKMM or beside "
                "herd7: allowed the LKMM folder (build-herd7.sh prints it as LKMM=)"
            )
    elif args.lkmm:
        raise ConfigError("lkmm is given without --herd7: allowed only with --herd7 PATH")
    out = _litmus_dir(args.litmus)
    df = run_tests(out, herd7, args.lkmm)
    if args.json:
        recs = df.to_dict(orient="records")
        _emit_json({"dir": str(out), "herd7": herd7, "tests": recs})
        return 0
    print(wrap(f"wrote {len(df)} LKMM litmus tests to {out}, each with NAME.expected beside it."))
    if herd7 is None:
        print(wrap("herd7 was not run (pass --herd7 PATH). " + HOW_TO_GET_HERD7))
        print()
        for r in df.itertuples():
            print(f"{r.name.removeprefix('rmap-seqcount-'):34s} {r.expected}")
        return 0
    print()
    t = df.assign(
        test=[n.removeprefix("rmap-seqcount-") for n in df["name"]],
        agree=["yes" if a else "NO" for a in df["agree"]],
    )
    print(text_table(t, columns=["test", "expected", "herd7", "agree"]))
    print()
    bad = int((~df["agree"].astype(bool)).sum())
    print(wrap(f"{len(df) - bad} of {len(df)} agree with the expected verdict."))
    print(
        wrap(
            f"rerun: cd {Path(herd7).parent.parent / 'lkmm'} && {herd7} -conf linux-kernel.cfg FILE"
        )
    )
    return 0 if bad == 0 else 1


def _cmd_starvation(args: argparse.Namespace, sc: Any, protocol: str, lay: Any) -> int:
    from ..race.liveness import starvation

    r = starvation(sc, protocol, args.starvation, lay, max_states=args.max_states)
    if args.json:
        d = r.summary()
        d["layout"] = lay.spec()
        _emit_json(d)
        return 0
    print(wrap(f"scenario {sc.name}: {sc.describe()}; writers repeat their ops forever"))
    verdict = r.summary()["verdict"]
    print(
        wrap(
            f"protocol {protocol}: can the writers keep the reader retrying "
            f"{r.rounds} rounds? {verdict} ({r.states} states searched)"
        )
    )
    if r.schedule is not None:
        print(wrap(f"shortest schedule ({len(r.schedule)} steps): {' '.join(r.schedule)}"))
    if r.cycle is not None:
        print(
            wrap(
                f"it contains a cycle of {len(r.cycle)} steps that returns to the same "
                f"state but for the word, so the writers can repeat it forever: "
                f"{' '.join(r.cycle)}"
            )
        )
    return 0


def cmd_race(args: argparse.Namespace) -> int:
    from .. import race

    _check_race_args(args, race)
    if args.litmus:
        return _cmd_litmus(args)
    if args.list:
        rows = race.scenario_rows()  # rows, not a frame: --list loads no pandas
        if args.json:
            _emit_json(
                {
                    "scenarios": rows,
                    "protocols": race.PROTOCOLS,
                    "layout_bounds": race.layout_bounds().to_dict(orient="records"),
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
        print()
        print("word layouts (--layout 64|32; narrow: --seq-bits, --writer-bits):")
        for line in race.layout_note().splitlines():
            print(textwrap.fill(line, 72, initial_indent="  ", subsequent_indent="    "))
        return 0
    from ..race.layout import get_layout

    lay = get_layout(args.layout, args.seq_bits, args.writer_bits)
    if args.all:
        scs = [args.scenario] if args.scenario else None
        prs = [args.protocol] if args.protocol else None
        if args.json:
            recs = []
            for s in scs or race.SCENARIOS:
                for p in prs or race.PROTOCOLS:
                    r = race.explore(s, p, max_states=args.max_states, layout=lay)
                    steps = race.replay(s, p, r.example, lay) if r.example else None
                    recs.append(race_json(r, steps))
            _emit_json(recs)
            return 0
        df = race.explore_all(scs, prs, max_states=args.max_states, progress=True, layout=lay)
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
    protocol = args.protocol or "seqcount"  # a given one was checked on entry
    if args.starvation is not None:
        return _cmd_starvation(args, sc, protocol, lay)
    r = race.explore(sc, protocol, max_states=args.max_states, progress=not args.json, layout=lay)
    steps = race.replay(sc, protocol, r.example, lay) if r.example else None
    if args.json:
        _emit_json(race_json(r, steps))
        return 0
    print(wrap(f"scenario {sc.name}: {sc.describe()}"))
    if lay.label != "64":
        print(
            wrap(
                f"word layout {lay.label}: {lay.writer_bits} shared-writer bits, "
                f"exclusive bit {lay.writer_bits}, {lay.seq_bits} sequence bits"
            )
        )
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
    print(f"stuck states (no CPU can move, reader not returned): {r.stuck_states}")
    if r.stuck_example is not None:
        print(wrap(f"shortest path into one: {' '.join(r.stuck_example)}"))
    if steps is not None and r.example is not None:
        kind = "false exclusive" if r.false_exclusive else "false shared"
        print()
        print(wrap(f"shortest {kind} ({len(r.example)} steps): {' '.join(r.example)}"))
        print(_steps_text(steps))
    return 0


def cmd_race_stress(args: argparse.Namespace) -> int:
    from ..atomics import machine_info
    from ..race_stress import PINS, STRESS_MODES, stress, stress_text

    prs = check_names("--protocols", args.protocols, STRESS_MODES)
    check_choice("--pin", args.pin, PINS)
    values = [parse_int(args.values, "--values", *STRESS_VALUES_RANGE)]
    info = machine_info()
    df = stress(
        prs,
        args.seconds,
        args.writers,
        values[0],
        exclusive=not args.no_exclusive,
        progress=not args.json,
        pin=args.pin,
    )
    if args.json:
        _emit_json({"machine": info, "rows": df.to_dict(orient="records")})
        return 0
    print(stress_text(df, info, args.seconds, values[0], args.writers))
    return 0


def add_parser(sub: Any) -> None:
    """Register ``race`` and ``race-stress`` on the ``rmaplab`` subparsers."""
    from ..race import DEFAULT_MAX_STATES

    ra = sub.add_parser("race", help=HELP["race"])
    ra.add_argument("--list", action="store_true", help="name the scenarios and protocols")
    ra.add_argument("--scenario", help="scenario name (see --list)")
    ra.add_argument(
        "--protocol", help="none, seqcount (default), no-wait, early-end, no-excl-wait, mm-owner"
    )
    ra.add_argument("--all", action="store_true", help="every scenario and protocol")
    ra.add_argument(
        "--max-states",
        type=int_arg(*MAX_STATES_RANGE),
        default=DEFAULT_MAX_STATES,
        help=f"state budget (default {DEFAULT_MAX_STATES})",
    )
    ra.add_argument(
        "--litmus", metavar="DIR", help="write the LKMM litmus tests (run them with --herd7)"
    )
    ra.add_argument("--herd7", metavar="PATH", help="herd7 executable: run the litmus tests")
    ra.add_argument(
        "--lkmm", metavar="DIR", help="LKMM folder (default: RMAPLAB_LKMM, beside herd7)"
    )
    ra.add_argument("--layout", help="seqcount word layout: 64 (default, as posted) or 32")
    ra.add_argument(
        "--seq-bits",
        type=int_arg(*SEQ_BITS_RANGE),
        help="narrow layout: sequence bits ({}..{})".format(*SEQ_BITS_RANGE),
    )
    ra.add_argument(
        "--writer-bits",
        type=int_arg(*WRITER_BITS_RANGE),
        help="narrow layout: shared-writer bits ({}..{})".format(*WRITER_BITS_RANGE),
    )
    ra.add_argument(
        "--starvation",
        type=int_arg(*STARVATION_RANGE),
        metavar="N",
        help="writers repeat their ops: can they keep the reader retrying N rounds (1..50)?",
    )
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
    rs.add_argument(
        "--pin",
        default="spread",
        help="threads on different CPUs (default), all on one CPU, or unpinned",
    )
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_race_stress)


add_parsers = add_parser  # the name every command group module uses
