"""``rmaplab collide``: the probability that rmap sums collide."""

from __future__ import annotations

import argparse
from concurrent.futures import Executor
from typing import Literal

from ..budget import want_progress
from ..config import ConfigError, get_config
from ..export import wrap
from ..validate import (
    ID_BITS_RANGE,
    ORDER_RANGE,
    WORD_BITS_RANGE,
    check_choice,
    float_arg,
    int_arg,
)
from ._common import _emit_json, add_config_arg, config_name, refuse_all_but

HELP = {"collide": "probability that rmap sums collide into a false 'exclusive'"}
#: --workers: local processes
WORKERS_RANGE = (1, 1024)
#: --max-seconds: a Monte Carlo run's wall-clock budget (a safety stop)
MAX_SECONDS_RANGE = (0.0, 86400.0)


def _collide_family_encoding(args, cfg):
    """``collide --encoding FAMILY`` with family options (``--slice-bits``,
    ``--base``, ``--packed``, ``--table``): resolved as ``verify --encoding``
    resolves them, with the configuration's widths unless overridden."""
    import argparse

    from ..encodings import FAMILIES
    from .design import resolve

    if args.encoding not in FAMILIES:
        raise ConfigError(
            f"--slice-bits, --base, --packed and --table go with a family: allowed "
            f"--encoding {', '.join(FAMILIES)}, got {args.encoding!r}"
        )
    wb = cfg.word_bits if args.word_bits is None else args.word_bits
    ns = argparse.Namespace(
        encoding=args.encoding,
        id_bits=cfg.id_bits if args.id_bits is None else args.id_bits,
        word_bits=wb,
        max_order=max(args.order, min(cfg.max_order, int(wb) - 1)),
        order=args.order,
        slice_bits=args.slice_bits,
        base=args.base,
        packed=args.packed,
        table=args.table,
    )
    return resolve(ns, args.order)


def cmd_collide(args) -> int:
    from ..collide import (
        ENCODING_FAMILIES,
        ENCODINGS,
        FAMILY_PATHS,
        POPULATIONS,
        collide,
        dask_executor,
        resolve_encoding,
    )

    family_opts = {
        "--slice-bits": args.slice_bits is not None,
        "--base": args.base is not None,
        "--packed": bool(args.packed),
        "--table": args.table is not None,
    }
    if args.list:
        refuse_all_but(args, ("--list", "--json"), "--list")
        if args.json:
            _emit_json(
                {
                    "encodings": dict(ENCODINGS),
                    "populations": POPULATIONS,
                    "families": dict(ENCODING_FAMILIES),
                    "paths": dict(FAMILY_PATHS),
                }
            )
        else:
            print("encodings:")
            for n, d in ENCODINGS.items():
                print(wrap(f"  {n}: {d}"))
            print("populations:")
            for n, d in POPULATIONS.items():
                print(wrap(f"  {n}: {d}"))
            print("exact and analytic paths per family (else Monte Carlo):")
            for n, d in FAMILY_PATHS.items():
                print(wrap(f"  {n}: {d}"))
        return 0
    if args.encoding is None:
        raise ConfigError("--encoding is required (or --list)")
    import os

    check_choice("--encoding", args.encoding, ENCODINGS)
    if args.ids is not None:
        return _collide_ids(args)
    if args.trials is None:
        args.trials = 1_000_000
    if args.mappings is None:
        args.mappings = 2
    population = "uniform" if args.population is None else args.population
    check_choice("--population", population, POPULATIONS)
    if args.scheduler is not None and args.workers is not None:
        raise ConfigError(
            f"--workers={args.workers} does not apply with --scheduler (the dask "
            "cluster has its own workers): allowed one or the other"
        )
    cfg = get_config(config_name(args))
    # the name resolves here, once, to an rmaplab.encodings.Encoding
    if any(family_opts.values()):
        enc = _collide_family_encoding(args, cfg)
    else:
        enc = resolve_encoding(args.encoding, args.order, cfg, args.word_bits, args.id_bits)
    executor: Executor | Literal["auto"] | None = "auto"  # local processes from 4 tasks on
    address = args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        executor = dask_executor(address)
    elif args.workers == 1:
        executor = None
    elif args.workers is not None:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=args.workers)
    r = collide(
        enc,
        args.order,
        args.mms,
        args.mappings,
        args.trials,
        args.seed,
        population,
        cfg,
        args.word_bits,
        args.id_bits,
        args.method,
        executor,
        progress=want_progress(args.progress),
        budget_seconds=args.max_seconds,
    )
    if args.json:
        _emit_json(
            {k: r[k] for k in ("probability", "ci_low", "ci_high", "method", "trials")}
            | {
                k: v
                for k, v in r.items()
                if k not in ("probability", "ci_low", "ci_high", "method", "trials")
            }
        )
        return 0
    print(
        wrap(
            f"{r['encoding']} ({r['values']} value(s), {r['word_bits']}-bit words, "
            f"{r['id_bits']}-bit ids), order {r['order']}, population {r['population']}: "
            f"{r['mms']} mms, {r['mappings']} mappings"
        )
    )
    print(wrap(f"encoding: {r['detail']}"))
    print(
        wrap(
            f"P(false exclusive) = {r['probability']:.6g}  [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
            f"  by {r['method']}"
            + (f" ({r['trials']} trials, {r['hits']} hits)" if r["method"] == "monte-carlo" else "")
            + (f" = {r['exact']}" if "exact" in r else "")
            + (f" ({r['fooled']} of {r['cases']} populations)" if "cases" in r else "")
            + (f"; analytic {r['analytic']:.3g}" if "analytic" in r else "")
        )
    )
    if "evidence" in r:
        print(wrap(r["evidence"]))
    if "stopped" in r:
        print(
            wrap(
                f"UNDECIDED: {r['stopped']}; --max-seconds {2 * args.max_seconds:g} "
                "(or more) lets it run longer"
            )
        )
    return 0


#: the options ``collide --ids`` reads
IDS_FLAGS = (
    *("--ids", "--encoding", "--order", "--mms", "--mappings", "--trials", "--seed"),
    *("--config", "--word-bits", "--id-bits", "--json"),
)


def _collide_ids(args) -> int:
    """``collide --ids ALLOCATOR``: ids as an allocator hands them out
    (:func:`rmaplab.allocators.collide_ids`)."""
    from ..allocators import ALLOCATORS, collide_ids
    from ..collide import resolve_encoding

    check_choice("--ids", args.ids, ALLOCATORS)
    refuse_all_but(
        args,
        IDS_FLAGS,
        "--ids",
    )
    cfg = get_config(config_name(args))
    enc = resolve_encoding(args.encoding, args.order, cfg, args.word_bits, args.id_bits)
    from ._common import given_flags

    mms = args.mms if "--mms" in given_flags(args) else 5  # the v1 counterexample's
    r = collide_ids(enc, args.order, args.ids, mms, args.mappings, args.trials or 20_000, args.seed)
    if args.json:
        _emit_json(r)
        return 0
    print(
        wrap(
            f"{r['encoding']} ({r['values']} value(s), {r['word_bits']}-bit words, "
            f"{r['id_bits']}-bit ids), order {r['order']}, ids {r['ids']}: {r['mms']} mms, "
            f"mappings {r['mappings']}"
        )
    )
    extra = f" ({r['trials']} families, {r['hits']} fooled)" if "hits" in r else ""
    print(
        wrap(
            f"P(false exclusive) = {r['probability']:.6g}  [{r['ci_low']:.3g}, "
            f"{r['ci_high']:.3g}]  by {r['method']}{extra}"
        )
    )
    a = r.get("attack")
    if a:
        print(
            wrap(
                f"attack: ids {a['ids']} (victim first) with counts {a['counts']}, "
                f"{a['forks']} forks beside {a['held_by_others']} ids held by others; "
                f"fooled: {a['fooled']}"
            )
        )
    return 0


def add_parsers(sub) -> None:
    cl = sub.add_parser("collide", help=HELP["collide"])
    from ..collide import MAX_MAPPINGS, MAX_TRIALS, MC_BUDGET_SECONDS, MMS_RANGE, SEED_RANGE
    from .design import BASE_RANGE

    add_config_arg(cl)
    cl.add_argument("--encoding", help="encoding name (see --list)")
    cl.add_argument(
        "--slice-bits",
        type=int_arg(*ID_BITS_RANGE),
        help="digits, table, moments: id bits per slice (family options)",
    )
    cl.add_argument(
        "--base",
        type=int_arg(*BASE_RANGE),
        help="digits: digit base; table: a power of 2; packed moments: packing base",
    )
    cl.add_argument(
        "--packed", action="store_true", help="moments: one word per slice, powers packed"
    )
    cl.add_argument("--table", help="table: JSON list of 2^B weights (default: PDEP)")
    cl.add_argument("--population", help="population name (see --list; default uniform)")
    cl.add_argument("--order", type=int_arg(*ORDER_RANGE), default=9, help="default 9")
    cl.add_argument("--mms", type=int_arg(*MMS_RANGE), default=2, help="mms (default 2)")
    cl.add_argument(
        "--mappings",
        type=int_arg(MMS_RANGE[0], MAX_MAPPINGS),
        default=None,
        help="mappings, at least --mms (default 2; with --ids: uniform in mms..2^order)",
    )
    cl.add_argument(
        "--trials",
        type=int_arg(1, MAX_TRIALS),
        default=None,
        help="Monte Carlo trials (default 1e6; with --ids: families, default 20000)",
    )
    cl.add_argument(
        "--ids",
        help="where the mms' ids come from: lowest-free, consecutive, random, adversary "
        "(default: --population); --mms defaults to 5 with it",
    )
    cl.add_argument("--seed", type=int_arg(*SEED_RANGE), default=0)
    cl.add_argument("--word-bits", type=int_arg(*WORD_BITS_RANGE), help="override the word width")
    cl.add_argument("--id-bits", type=int_arg(*ID_BITS_RANGE), help="override the id width")
    cl.add_argument(
        "--method", default="auto", choices=["auto", "exact", "monte-carlo", "analytic"]
    )
    cl.add_argument(
        "--workers",
        type=int_arg(*WORKERS_RANGE),
        default=None,
        help="local worker processes for Monte Carlo (default: all cores from 4 tasks on; 1: none)",
    )
    cl.add_argument(
        "--max-seconds",
        type=float_arg(*MAX_SECONDS_RANGE, lo_open=True),
        default=MC_BUDGET_SECONDS,
        help=f"budget of a Monte Carlo run in seconds; past it the answer is undecided "
        f"(default {MC_BUDGET_SECONDS:g})",
    )
    cl.add_argument(
        "--scheduler", help="dask.distributed scheduler address (or DASK_SCHEDULER_ADDRESS)"
    )
    cl.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    cl.add_argument("--list", action="store_true", help="name the encodings and populations")
    cl.add_argument("--json", action="store_true")
    cl.set_defaults(func=cmd_collide)
