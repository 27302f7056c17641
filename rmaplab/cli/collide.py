"""``rmaplab collide``: the probability that rmap sums collide."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Literal

from ..config import DEFAULT_CONFIG, ConfigError, config_names, get_config
from ..export import wrap
from ._common import _count, _emit_json

HELP = {"collide": "probability that rmap sums collide into a false 'exclusive'"}
# collide.MC_BUDGET_SECONDS, written here so that building the parser loads no
# numba (tests/test_cli.py checks that the two agree)
MC_BUDGET_SECONDS = 600.0


def _collide_family_encoding(args, cfg):
    """``collide --encoding FAMILY`` with family options (``--slice-bits``,
    ``--base``, ``--packed``, ``--table``): resolved as ``verify --encoding``
    resolves them, with the configuration's widths unless overridden."""
    import argparse

    from ..encoding import FAMILIES
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

    if args.list:
        if args.json:
            _emit_json(
                {
                    "encodings": ENCODINGS,
                    "populations": POPULATIONS,
                    "families": ENCODING_FAMILIES,
                    "paths": FAMILY_PATHS,
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
    if not args.encoding:
        raise ConfigError("--encoding is required (or --list)")
    import os

    from ..config import _check_int

    _check_int("--seed", args.seed, 0, (1 << 64) - 1)
    _check_int("--trials", args.trials, 1, 1 << 40)
    if args.workers is not None:
        _check_int("--workers", args.workers, 1, 1024)
    if not args.max_seconds > 0:
        raise ConfigError(f"--max-seconds={args.max_seconds:g} is out of range: allowed > 0")
    cfg = get_config(args.config)
    # the name resolves here, once, to an rmaplab.encoding.Encoding
    family_opts = (args.slice_bits, args.base, args.table)
    if any(x is not None for x in family_opts) or args.packed:
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
        args.population,
        cfg,
        args.word_bits,
        args.id_bits,
        args.method,
        executor,
        progress=not args.json,
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


def add_parsers(sub) -> None:
    cl = sub.add_parser("collide", help=HELP["collide"])
    cl.add_argument(
        "--config", default=DEFAULT_CONFIG.name, help=f"one of {', '.join(config_names())}"
    )
    cl.add_argument("--encoding", help="encoding name (see --list)")
    cl.add_argument(
        "--slice-bits", type=int, help="digits, table, moments: id bits per slice (family options)"
    )
    cl.add_argument("--base", type=int, help="digits: digit base; packed moments: packing base")
    cl.add_argument(
        "--packed", action="store_true", help="moments: one word per slice, powers packed"
    )
    cl.add_argument("--table", help="table: JSON list of 2^B weights (default: PDEP)")
    cl.add_argument("--population", default="uniform", help="population name (see --list)")
    cl.add_argument("--order", type=int, default=9)
    cl.add_argument("--mms", type=int, default=2)
    cl.add_argument("--mappings", type=int, default=2)
    cl.add_argument("--trials", type=_count, default=1_000_000, help="Monte Carlo trials")
    cl.add_argument("--seed", type=int, default=0)
    cl.add_argument("--word-bits", type=int, help="override the word width")
    cl.add_argument("--id-bits", type=int, help="override the id width")
    cl.add_argument(
        "--method", default="auto", choices=["auto", "exact", "monte-carlo", "analytic"]
    )
    cl.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes for Monte Carlo (default: all cores from 4 tasks on; 1: none)",
    )
    cl.add_argument(
        "--max-seconds",
        type=float,
        default=MC_BUDGET_SECONDS,
        help=f"budget of a Monte Carlo run in seconds; past it the answer is undecided "
        f"(default {MC_BUDGET_SECONDS:g})",
    )
    cl.add_argument(
        "--scheduler", help="dask.distributed scheduler address (or DASK_SCHEDULER_ADDRESS)"
    )
    cl.add_argument("--list", action="store_true", help="name the encodings and populations")
    cl.add_argument("--json", action="store_true")
    cl.set_defaults(func=cmd_collide)
