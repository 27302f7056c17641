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

from .config import ConfigError
from .export import text_table, wrap

if TYPE_CHECKING:
    import pandas as pd

    from .race import ExploreResult

__all__ = ["add_parser", "cmd_race", "cmd_race_stress", "race_json"]


def _emit_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")


def race_json(result: ExploreResult, steps: pd.DataFrame | None = None) -> dict:
    """The stable JSON record of one exploration (``example``: null or steps)."""
    from .race import replay

    d = result.summary()
    if result.example is not None:
        if steps is None:
            steps = replay(result.scenario, result.protocol, result.example, result.layout)
        d["example"] = [{"cpu": r.cpu, "action": r.action} for r in steps.iloc[1:].itertuples()]
    d["example_kind"] = (
        None
        if result.example is None
        else ("false_exclusive" if result.false_exclusive else "false_shared")
    )
    d["max_states"] = result.max_states
    from .race import get_scenario

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
    from .race.herd import HOW_TO_GET_HERD7, find_lkmm, run_tests

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
    from .race.liveness import starvation

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
    from . import race

    if args.litmus:
        return _cmd_litmus(args)
    if args.list:
        sc = race.scenario_table()
        if args.json:
            _emit_json(
                {
                    "scenarios": sc.to_dict(orient="records"),
                    "protocols": race.PROTOCOLS,
                    "layout_bounds": race.layout_bounds().to_dict(orient="records"),
                }
            )
            return 0
        print(
            text_table(
                sc,
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
    if args.max_states < 1:
        raise ConfigError(f"max-states={args.max_states} is out of range: allowed >= 1")
    from .race.layout import get_layout

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
    protocol = args.protocol or "seqcount"
    if protocol not in race.PROTOCOLS:
        raise ConfigError(f"protocol={protocol!r} is unknown: allowed {', '.join(race.PROTOCOLS)}")
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
    from .atomics import machine_info
    from .race_stress import PINS, parse_protocols, stress, stress_text

    prs = parse_protocols(args.protocols)
    if args.pin not in PINS:
        raise ConfigError(f"pin={args.pin!r} is unknown: allowed {', '.join(PINS)}")
    if not 0.01 <= args.seconds <= 600:
        raise ConfigError(f"seconds={args.seconds} is out of range: allowed 0.01..600")
    if str(args.values).strip() not in ("1", "2", "3"):  # not expanded: 1-99999999999
        raise ConfigError(f"values={args.values!r} is out of range: allowed one of 1..3")
    values = [int(args.values)]
    if not 1 <= args.writers <= 4:
        raise ConfigError(f"writers={args.writers} is out of range: allowed 1..4")
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
    from .race import DEFAULT_MAX_STATES

    ra = sub.add_parser("race", help="the atomic seqcount: every interleaving, explored")
    ra.add_argument("--list", action="store_true", help="name the scenarios and protocols")
    ra.add_argument("--scenario", help="scenario name (see --list)")
    ra.add_argument("--protocol", help="none, seqcount (default), no-wait, early-end, no-excl-wait")
    ra.add_argument("--all", action="store_true", help="every scenario and protocol")
    ra.add_argument(
        "--max-states",
        type=int,
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
    ra.add_argument("--seq-bits", type=int, help="narrow layout: sequence bits (1..47)")
    ra.add_argument("--writer-bits", type=int, help="narrow layout: shared-writer bits (1..16)")
    ra.add_argument(
        "--starvation",
        type=int,
        metavar="N",
        help="writers repeat their ops: can they keep the reader retrying N rounds (1..50)?",
    )
    ra.add_argument("--json", action="store_true")
    ra.set_defaults(func=cmd_race)

    rs = sub.add_parser("race-stress", help="writer and reader threads on one folio (C11)")
    rs.add_argument(
        "--protocols",
        default="seqcount,none",
        help="comma-separated: seqcount, none, no-wait, no-excl-wait, early-end",
    )
    rs.add_argument("--seconds", type=float, default=2.0, help="per protocol (0.01..600)")
    rs.add_argument("--writers", type=int, default=1, help="writer threads (1..4)")
    rs.add_argument("--values", default="1", help="K rmap values (1..3)")
    rs.add_argument("--no-exclusive", action="store_true", help="writers never try exclusive")
    rs.add_argument(
        "--pin",
        default="spread",
        help="threads on different CPUs (default), all on one CPU, or unpinned",
    )
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_race_stress)
