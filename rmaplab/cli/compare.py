"""``rmaplab compare``: one workload replayed through every scheme."""

from __future__ import annotations

import time
from typing import Any

from .. import budget
from ..config import ConfigError
from ..export import wrap
from ..validate import check_choice, check_names, int_arg
from ._common import _add_config_args, _config_from_args, _emit_json, refuse_all_but

HELP = {"compare": "replay a workload through every scheme"}


def cmd_compare(args) -> int:
    from ..schemes import SCHEMES
    from ..workloads import WORKLOADS

    if args.list:
        refuse_all_but(args, ("--list", "--json"), "--list")
        listing: dict[str, Any] = {
            "workloads": list(WORKLOADS),
            "schemes": {n: c.description for n, c in SCHEMES.items() if n != "truth"},
        }
        if args.json:
            _emit_json(listing)
        else:
            print(wrap("workloads: " + ", ".join(listing["workloads"])))
            print()
            for n, d in listing["schemes"].items():
                print(wrap(f"{n}: {d}"))
        return 0
    if args.workload is None:
        raise ConfigError("--workload is required (or --list)")
    check_choice("--workload", args.workload, WORKLOADS)
    schemes = None
    if args.schemes is not None:
        # "truth" is the reference every scheme is scored against, not a scheme
        allowed = [n for n in SCHEMES if n != "truth"]
        if not [s for s in args.schemes.split(",") if s.strip()]:
            raise ConfigError(
                f"--schemes={args.schemes!r} names no scheme: allowed a comma-separated "
                f"list of {', '.join(allowed)} (leave it out for all)"
            )
        schemes = check_names("--schemes", args.schemes, allowed)
    cfg = _config_from_args(args)
    # resolved once, here: the configuration's posted sub-IDs, or a shorthand's
    enc = None
    if args.encoding is not None:
        from ..encodings import default_encoding

        enc = default_encoding(args.encoding, cfg.id_bits, cfg.word_bits, args.order, args.order)
    shape = {
        k: getattr(args, k)
        for k in ("depth", "fanout", "lifetime", "writes", "pte")
        if getattr(args, k) is not None
    }
    # refused up front when the estimate is over the limit: nothing is allocated
    need = budget.check_compare_memory(
        args.workload, args.order, args.procs, args.folios, shape, args.max_memory
    )
    from ..compare import COLUMNS, compare, verifier_counterexample
    from ..views import SCHEMES_COST_NOTE, schemes_table_text

    counter = budget.WorkCounter("seconds")
    t0 = time.monotonic()
    show = budget.want_progress(args.progress)
    try:
        with (
            budget.memory_limit(args.max_memory),
            budget.ticker(f"compare {args.workload} (about {need / 2**30:.1f} GiB)", show),
            budget.time_limit(args.max_seconds, counter),  # innermost: disarmed first
        ):
            rmap = enc if enc is not None else cfg.encoding(args.order)
            ce = None
            if args.workload == "counterexample":
                ce = verifier_counterexample(args.order, cfg)
            df = compare(
                args.workload,
                schemes,
                rmap,
                args.order,
                args.procs,
                args.seed,
                args.folios,
                shape=shape,
                counterexample=ce,
            )
    except budget.TimeLimitReached as e:
        counter.done = round(time.monotonic() - t0, 1)  # type: ignore[assignment]
        return budget.stopped(args, e)
    if args.json:
        _emit_json(df[COLUMNS].to_dict(orient="records"))
        return 0
    # the caption states this run's own parameters (the report's schemes view
    # captions its own run: another order, 8 processes, every workload)
    print(
        wrap(
            f"workload {args.workload} ({cfg.name}): order {args.order}, "
            f"{args.procs} processes, {args.folios} folios, seed {args.seed}"
            + "".join(
                f", {k} {getattr(args, k)}"
                for k in ("depth", "fanout", "lifetime", "writes", "pte")
                if getattr(args, k) is not None
            )
            + ". "
            "false exclusive > 0 is UNSAFE."
            + (f" rmap-id encoding: {enc.describe()}." if enc is not None else "")
            + " "
            + SCHEMES_COST_NOTE
        )
    )
    print()
    print(schemes_table_text(df))
    if "needless_copies" in df:
        from ..shape_sweep import cost_text

        print()
        print(cost_text(df))
    if int(df["checks"].sum()) == 0:
        print()
        print(
            wrap(
                f"0 checks: workload {args.workload} has no write fault (no COW), so no "
                "scheme is asked 'mapped shared?'; it exercises only the map/unmap "
                "path, whose cost is the bytes and atomics columns. Workloads with "
                "write faults have checks, e.g. cow, zygote, random."
            )
        )
    bad = df[df["false_exclusive"] > 0]
    if len(bad):
        print()
        print(
            wrap(
                "UNSAFE: "
                + ", ".join(
                    f"{r.scheme} ({r.false_exclusive} false exclusive)" for r in bad.itertuples()
                )
            )
        )
    return 0


def add_parsers(sub) -> None:
    from ..workloads import FOLIOS_RANGE, ORDER_RANGE, PROCS_RANGE, SEED_RANGE, SHAPE_RANGES

    cp = sub.add_parser("compare", help=HELP["compare"])
    _add_config_args(cp)
    cp.add_argument("--workload", help="workload name (see --list)")
    cp.add_argument("--schemes", help="comma-separated scheme names (default: all)")
    cp.add_argument(
        "--order", type=int_arg(*ORDER_RANGE), default=9, help="folio order (default 9)"
    )
    cp.add_argument("--procs", type=int_arg(*PROCS_RANGE), default=8, help="processes (default 8)")
    cp.add_argument("--folios", type=int_arg(*FOLIOS_RANGE), default=4, help="folios (default 4)")
    cp.add_argument("--seed", type=int_arg(*SEED_RANGE), default=0)
    cp.add_argument(
        "--encoding",
        help="rmap-id scheme's encoding family (digits, table, moments, raw-id, hash64, "
        "bit-counters; default: the configuration's posted sub-IDs)",
    )
    for k in ("depth", "fanout", "lifetime", "writes", "pte"):
        lo, hi = SHAPE_RANGES[k]
        cp.add_argument(
            f"--{k}",
            type=int_arg(lo, hi),
            help=f"shape workloads' {k} (see rmaplab.workloads)",
        )
    budget.add_budget_args(cp, memory=True)
    cp.add_argument("--list", action="store_true", help="name the workloads and schemes")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_compare)
