"""``rmaplab bench-atomics``: the update path measured here, in C."""

from __future__ import annotations

from ..validate import check_names, int_arg, parse_int_list
from ._common import _emit_json

HELP = {
    "bench-atomics": "measure the update path per encoding and K here (C, -O2)",
    "bench-microbench": "the cover letter's 8 micro-benchmarks as rmap op mixes, per design (C)",
}


def cmd_bench_atomics(args) -> int:
    from ..atomics import (
        ADDENDS,
        CASES,
        MAX_THREADS,
        MAX_VALUES,
        bench_atomics,
        bench_text,
        machine_info,
    )

    encodings = None
    if args.encodings is not None:
        encodings = check_names("--encodings", args.encodings, CASES)
    nr_values: list[int] | None
    if args.nr_values is not None:
        nr_values = parse_int_list(args.nr_values, "--values", 1, MAX_VALUES)
    else:
        nr_values = None if encodings is not None else list(range(1, MAX_VALUES + 1))
    threads = parse_int_list(args.threads, "--threads", 1, MAX_THREADS)
    addends = None
    if args.addends is not None:
        addends = check_names("--addends", args.addends, ADDENDS)
    df = bench_atomics(
        nr_values,
        threads,
        iters=args.iters,
        repeat=args.repeat,
        progress=not args.json,
        encodings=encodings,
        addends=addends,
        concurrent_tries=args.concurrent_tries,
    )
    # the load when the runs ended: the machine may be shared
    info = machine_info()
    if args.json:
        _emit_json({"machine": info, "rows": df.to_dict(orient="records")})
        return 0
    print(bench_text(df, info))
    return 0


def cmd_bench_microbench(args) -> int:
    from ..cbuild import machine_info
    from ..microbench import microbench, microbench_text

    df = microbench(args.reps, args.repeat, args.batched, progress=not args.json)
    info = machine_info()
    if args.json:
        # null, not NaN, where the cover letter published nothing
        rows = df.astype(object).where(df.notna(), None).to_dict(orient="records")
        _emit_json({"machine": info, "rows": rows})
        return 0
    print(microbench_text(df, info))
    return 0


def add_parsers(sub) -> None:
    from ..atomics import MAX_CONCURRENT_TRIES, MAX_ITERS, MAX_REPEAT, MIN_ITERS

    ba = sub.add_parser("bench-atomics", help=HELP["bench-atomics"])
    ba.add_argument(
        "--values",
        dest="nr_values",
        help="digits' K values to measure, e.g. 1-8 or 3,6 (default 1-8; with --encodings 3,4,6)",
    )
    ba.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    ba.add_argument(
        "--encodings",
        help="comma-separated: digits,moments,table-quadratic,table and the schemes "
        "mm-owner (Linux 6.15), legacy (per-page mapcounts) (default: digits only, "
        "per-mm sub-IDs, as before)",
    )
    ba.add_argument(
        "--addends",
        help="per-mm,per-update: load the addends from the mm or compute them from its id "
        "(default: both with --encodings, else per-mm)",
    )
    ba.add_argument(
        "--iters",
        type=int_arg(MIN_ITERS, MAX_ITERS),
        default=2_000_000,
        help=f"updates per thread per run ({MIN_ITERS:.0e}..{MAX_ITERS:.0e})",
    )
    ba.add_argument(
        "--repeat",
        type=int_arg(1, MAX_REPEAT),
        default=3,
        help=f"runs per case, best kept (1..{MAX_REPEAT})",
    )
    ba.add_argument(
        "--concurrent-tries",
        type=int_arg(0, MAX_CONCURRENT_TRIES),
        default=200,
        help="extra short runs per multi-thread case to catch its threads running at once "
        "(0: none)",
    )
    ba.add_argument("--json", action="store_true")
    ba.set_defaults(func=cmd_bench_atomics)

    # the limits are repeated, not imported: the parser must not load the C driver
    mb = sub.add_parser("bench-microbench", help=HELP["bench-microbench"])
    mb.add_argument(
        "--reps",
        type=int_arg(10, 100_000),
        default=300,
        help="replays of each mix per run; the run's median is kept (10..100000)",
    )
    mb.add_argument(
        "--repeat",
        type=int_arg(1, 50),
        default=3,
        help="runs per benchmark and design, interleaved, best kept (1..50)",
    )
    mb.add_argument(
        "--batched",
        action="store_true",
        help="batch the PTE runs into one op of 512 pages (6.9+), not one op per PTE (v6.7)",
    )
    mb.add_argument("--json", action="store_true")
    mb.set_defaults(func=cmd_bench_microbench)
