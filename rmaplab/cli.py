"""The ``rmaplab`` command line.

Every subcommand prints plain text that fits in 72 columns, or with
``--json`` a stable JSON document (field names are an interface; see the
issue that introduced each command).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any, Literal

from .collide import MC_BUDGET_SECONDS
from .config import (
    DEFAULT_CONFIG,
    ConfigError,
    config_names,
    config_table,
    derive_config,
    get_config,
    single_group_config,
)
from .export import text_table, wrap
from .verify import NODE_LIMIT
from .views import Params, view

__all__ = ["main"]


def _count(text: str) -> int:
    """An integer count, also written as 1e6 or 1_000_000."""
    try:
        value = float(text) if any(c in str(text) for c in ".eE") else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value != int(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer")
    return int(value)


def _check_csv_path(path: str, flag: str) -> None:
    """Refuse an output file that cannot be written, before computing anything."""
    import os
    from pathlib import Path

    p = Path(path)
    if not path.strip() or p.is_dir():
        raise ConfigError(f"{flag}={path!r} is a folder or empty: allowed a file path")
    existed = p.exists()
    try:
        with open(p, "a"):
            pass
    except OSError as e:
        raise ConfigError(
            f"{flag}={path}: cannot write there ({e.strerror}): allowed a writable file path"
        ) from None
    if not existed:
        os.unlink(p)  # only probed: nothing is written before the work succeeds


def _emit_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _config_from_args(args):
    derived = [args.id_bits, args.word_bits, args.max_order]
    if any(v is not None for v in derived):
        if any(v is None for v in derived):
            raise ConfigError(
                "--id-bits, --word-bits and --max-order go together: give all "
                "three to derive a configuration"
            )
        return derive_config(args.id_bits, args.word_bits, args.max_order)
    return get_config(args.config)


def cmd_table(args) -> int:
    cfg = _config_from_args(args)
    df = config_table(cfg)
    if args.json:
        _emit_json(df.to_dict(orient="records"))
        return 0
    print(wrap(f"{cfg.name}: {cfg.description}"))
    print(
        wrap(
            f"ids 1..{cfg.max_id} ({cfg.id_bits} bits), {cfg.word_bits}-bit rmap "
            "values. headroom = word_bits - bit_length(P_g * max sub-ID); "
            "negative: a sum of P_g sub-IDs can wrap the word."
        )
    )
    print()
    print(view("table").render_text(df, Params(cfg)))
    bad = df[~df["rule_ok"]]
    if len(bad):
        print()
        print(
            wrap(
                "rule 'P_g * max sub-ID fits in the word' fails at orders "
                + ", ".join(str(o) for o in bad["order"])
                + " (see `rmaplab verify` for whether the check can be fooled)."
            )
        )
    return 0


def cmd_subids(args) -> int:
    from .subid import subid_table

    if 1 <= args.bits <= 24 and (1 << args.bits) > args.max_entries:
        need = 1 << args.bits
        raise ConfigError(
            f"--bits={args.bits} asks for {need} entries: allowed --bits <= "
            f"{args.max_entries.bit_length() - 1} under --max-entries {args.max_entries}; "
            f"pass --max-entries {need} to allow it (Python ints, one line each)"
        )

    table = subid_table(args.base_pages, args.bits, args.word_bits)
    if args.json:
        _emit_json(table)
        return 0
    import pandas as pd

    print(
        wrap(
            f"calc_rmap_subid({args.base_pages}, i) for i in 0..{len(table) - 1}: "
            f"binary digits of i in base {args.base_pages + 1}, modulo 2^{args.word_bits}"
        )
    )
    print()
    df = pd.DataFrame({"i": range(len(table)), "subid": table, "hex": [f"{v:#x}" for v in table]})
    print(text_table(df))
    return 0


def cmd_configs(args) -> int:
    rows = []
    for name in config_names():
        c = get_config(name)
        rows.append(
            {
                "name": c.name,
                "id_bits": c.id_bits,
                "word_bits": c.word_bits,
                "orders": f"{c.min_order}..{c.max_order}",
                "max_values": c.max_nr_values,
                "description": c.description,
            }
        )
    if args.json:
        _emit_json(rows)
        return 0
    import pandas as pd

    print(text_table(pd.DataFrame(rows).drop(columns="description")))
    for r in rows:
        print()
        print(wrap(f"{r['name']}: {r['description']}"))
    return 0


def _verify_config(args):
    """Named, derived (id/word bits + max order) or custom single-group config."""
    custom = [args.nr_values, args.bits, args.base_pages]
    if any(v is not None for v in custom):
        need = {
            "--id-bits": args.id_bits,
            "--word-bits": args.word_bits,
            "--values": args.nr_values,
            "--bits": args.bits,
        }
        missing = [k for k, v in need.items() if v is None]
        if missing:
            raise ConfigError(f"a custom configuration also needs {', '.join(missing)}")
        top = args.max_order if args.max_order is not None else args.order
        if top is None:
            raise ConfigError("a custom configuration needs --order or --max-order")
        if args.base_pages is not None and args.base_pages < 1:
            raise ConfigError(
                f"--base-pages={args.base_pages} is out of range: allowed >= 1 "
                "(leave it out for P_g = 2^max order)"
            )
        return single_group_config(
            args.id_bits,
            args.word_bits,
            args.nr_values,
            args.bits,
            top,
            base_pages=args.base_pages or 0,
            name="custom",
        )
    return _config_from_args(args)


def _verdict_text(v) -> str:
    lines = [f"order {v.order} ({v.pages} pages): {v.verdict.upper()} by {v.method}"]
    lines.append(wrap(v.evidence))
    lines.append(
        wrap(
            f"minimality {'proven' if v.proven_minimal else 'not proven'}; frontier: no "
            f"sub-ID linear in the slice's B = {v.bits} bits is safe from "
            f"{v.frontier_pages} pages on (tables w[s] not covered)"
        )
    )
    if v.counterexample:
        from .verify import split_counterexample

        victim, own, rest = split_counterexample(v.counterexample)
        lines.append(
            wrap(
                f"counterexample (replayed through the folio model: "
                f"{'wrong exclusive' if v.replayed else 'NOT reproduced'}): victim mm "
                f"{victim} maps {own} page{'' if own == 1 else 's'}; "
                + ", ".join(f"mm {m} maps {c}" for m, c in rest)
            )
        )
    if v.note:
        lines.append(wrap(f"series: {v.note}"))
    if v.verdict == "undecided":
        lines.append(
            wrap("UNDECIDED within the node budget: a larger --node-limit searches further.")
        )
    return "\n".join(lines)


def cmd_verify(args) -> int:
    from .verify import verify, verify_all

    if getattr(args, "encoding", None):
        from .cli_design import cmd_verify_encoding

        return cmd_verify_encoding(args)
    cfg = _verify_config(args)
    if args.all == (args.order is not None):
        raise ConfigError("give exactly one of --order O and --all")
    if args.order is not None:
        cfg.group_for(args.order)  # refuse an uncovered order before any work
    if args.csv:
        _check_csv_path(args.csv, "--csv")
    from .config import _check_int

    limit = _check_int("--node-limit", args.node_limit, 1, 10**9)
    if args.all:
        df = verify_all(cfg, progress=args.progress, node_limit=limit)
        verdicts = [verify(cfg, o, limit) for o in cfg.orders]  # cached searches
    else:
        verdicts = [verify(cfg, args.order, limit, progress=not args.json)]
        df = None
    if args.csv:
        from .verify import save_table

        save_table(cfg, args.csv, df if df is not None else None, argv=args.argv)
    if args.steps:
        from .proof import replay_steps

        for v in verdicts:
            if v.counterexample:
                steps = replay_steps(cfg.encoding(v.order), v.order, v.counterexample)
                if args.json:
                    _emit_json(steps.drop(columns=[]).to_dict(orient="records"))
                else:
                    print(
                        text_table(
                            steps,
                            ["step", "mapcount", "value", "hex", "base_digits", "equal"],
                            ["step", "n", "k", "value (hex)", "base P_g+1 digits", "=n*s"],
                        )
                    )
                    chk = steps.attrs["check"]
                    print(
                        wrap(
                            f"check for mm {chk.mm_id}: {'shared' if chk.shared else 'EXCLUSIVE'}"
                            f" ({chk.reason}); truth: "
                            f"{'shared' if chk.truly_shared else 'exclusive'}"
                        )
                    )
        return 0
    if args.json:
        _emit_json([v.to_json() for v in verdicts])
        return 0
    print(wrap(f"{cfg.name}: {cfg.description}"))
    print()
    import pandas as pd

    tab = pd.DataFrame([v.to_json() for v in verdicts])
    print(wrap("min n: fewest mappings that fool the check (- where none does)"))
    print()
    print(view("verify").render_text(tab, Params(cfg)))
    for v in verdicts:
        if v.verdict != "safe" or len(verdicts) == 1:
            print()
            print(_verdict_text(v))
    return 0


def cmd_proof(args) -> int:
    from .proof import proof_text

    if getattr(args, "encoding", None):
        from .cli_design import cmd_proof_encoding

        return cmd_proof_encoding(args)
    cfg = _verify_config(args)
    if args.order is None:
        raise ConfigError("--order is required")
    print(proof_text(cfg, args.order))
    return 0


def cmd_cost(args) -> int:
    from .cost import cost_table

    cfg = _config_from_args(args)
    df = cost_table(cfg)
    cols = [
        "order",
        "values",
        "bytes",
        "cache_lines",
        "atomics_per_update",
        "atomics_per_update_exclusive",
        "ids_supported",
    ]
    if args.json:
        _emit_json(
            df[[*cols, "bytes_with_seqcount", "per_page_mapcount_bytes", "extra_atomics"]].to_dict(
                orient="records"
            )
        )
        return 0
    print(
        wrap(
            f"{cfg.name}: cost of the rmap values per folio. bytes: values only "
            "(+4 for the seqcount); atomics: RMW per (un)map, legacy 2 + "
            "mapcount 1 + seqcount 2 + K; exclusive writer: plain stores for "
            "values and mapcount; lines: 4 values per 64-byte line."
        )
    )
    print()
    print(view("cost").render_text(df, Params(cfg)))
    return 0


def cmd_bench_atomics(args) -> int:
    from .atomics import (
        ADDENDS,
        ENCODINGS,
        bench_atomics,
        bench_text,
        machine_info,
        parse_list,
        parse_range,
    )

    encodings = None
    if args.encodings is not None:
        encodings = parse_list(args.encodings, "encodings", ENCODINGS)
    nr_values: list[int] | None
    if args.nr_values is not None:
        nr_values = parse_range(args.nr_values, "values", 1, 8)
    else:
        nr_values = None if encodings is not None else list(range(1, 9))
    threads = parse_range(args.threads, "threads", 1, 8)
    addends = None if args.addends is None else parse_list(args.addends, "addends", ADDENDS)
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


def cmd_compare(args) -> int:
    from .compare import COLUMNS, compare
    from .schemes import SCHEMES
    from .workloads import WORKLOADS

    if args.list:
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
    if not args.workload:
        raise ConfigError("--workload is required (or --list)")
    schemes = None
    if args.schemes is not None:
        schemes = [s.strip() for s in args.schemes.split(",") if s.strip()]
        if not schemes:
            names = ", ".join(n for n in SCHEMES if n != "truth")
            raise ConfigError(
                f"--schemes={args.schemes!r} names no scheme: allowed a comma-separated "
                f"list of {names} (leave it out for all)"
            )
    cfg = _config_from_args(args)
    enc = None
    if args.encoding is not None:
        from .encodings import default_encoding

        enc = default_encoding(args.encoding, cfg.id_bits, cfg.word_bits, args.order, args.order)
    df = compare(
        args.workload,
        schemes,
        cfg,
        args.order,
        args.procs,
        args.seed,
        args.folios,
        encoding=enc,
    )
    if args.json:
        _emit_json(df[COLUMNS].to_dict(orient="records"))
        return 0
    print(
        wrap(
            f"workload {args.workload}: order {args.order}, {args.procs} processes, "
            f"{args.folios} folios, seed {args.seed}. false exclusive > 0 is UNSAFE."
            + (f" rmap-id encoding: {enc.describe()}." if enc is not None else "")
        )
    )
    print()
    print(view("schemes").render_text(df, Params(cfg)))
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


def _collide_family_encoding(args, cfg):
    """``collide --encoding FAMILY`` with family options (``--slice-bits``,
    ``--base``, ``--packed``, ``--table``): resolved as ``verify --encoding``
    resolves them, with the configuration's widths unless overridden."""
    import argparse

    from .cli_design import resolve
    from .encodings import FAMILIES

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
    from .collide import (
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
    if not args.encoding:
        raise ConfigError("--encoding is required (or --list)")
    import os

    from .config import _check_int

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


def cmd_report(args) -> int:
    from .report import build_report

    # build_report validates the configuration, the seed and the folder first
    build_report(args.out, args.config, quick=args.quick, seed=args.seed, progress=True)
    print(wrap(f"report written to {args.out}/ (post.txt is the summary for mail)"))
    return 0


def cmd_warmup(args) -> int:
    from ._kernels import jit_enabled, warmup

    secs = warmup()
    if args.json:
        _emit_json({"jit": jit_enabled(), "seconds": secs})
        return 0
    for fam, t in secs.items():
        print(f"{fam:<12}{t:>8.2f} s")
    print(wrap("kernels compiled (first run after install) or loaded from numba's cache"))
    return 0


def _add_config_args(p, custom: bool = False):
    p.add_argument(
        "--config", default=DEFAULT_CONFIG.name, help=f"one of {', '.join(config_names())}"
    )
    p.add_argument("--id-bits", type=int, help="id bits (derived or custom configuration)")
    p.add_argument("--word-bits", type=int, help="word bits (derived or custom configuration)")
    p.add_argument("--max-order", type=int, help="largest order (derived or custom configuration)")
    if custom:
        p.add_argument("--values", dest="nr_values", type=int, help="custom: rmap values K")
        p.add_argument("--bits", type=int, help="custom: id bits per value B")
        p.add_argument("--base-pages", type=int, help="custom: P_g (default 2^max order)")


def build_parser() -> argparse.ArgumentParser:
    from . import cli_design

    p = argparse.ArgumentParser(
        prog="rmaplab",
        description="Exact arithmetic for the rmap-ID 'mapped shared' proposal.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("table", help="per-order groups, bytes, ids and headroom")
    _add_config_args(t)
    t.add_argument("--json", action="store_true", help="JSON: a list of rows")
    t.set_defaults(func=cmd_table)

    s = sub.add_parser("subids", help="a sub-ID table, as calc_rmap_subid computes it")
    s.add_argument("--base-pages", type=int, required=True, help="P_g (digit base P_g + 1)")
    s.add_argument("--bits", type=int, required=True, help="index bits B (2^B entries)")
    s.add_argument("--word-bits", type=int, default=64, help="word width (default 64)")
    s.add_argument(
        "--max-entries",
        type=_count,
        default=1 << 16,
        help="budget: largest table printed (default 65536 = 2^16 entries)",
    )
    s.add_argument("--json", action="store_true", help="JSON: a list of integers")
    s.set_defaults(func=cmd_subids)

    v = sub.add_parser("verify", help="can the check be fooled? certificate or counterexample")
    _add_config_args(v, custom=True)
    v.add_argument("--order", type=int, help="one folio order")
    v.add_argument("--all", action="store_true", help="every order of the configuration")
    v.add_argument("--json", action="store_true", help="JSON: a list of rows, one per order")
    v.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    v.add_argument("--steps", action="store_true", help="replay each counterexample step by step")
    v.add_argument("--progress", action="store_true", help="progress bar (with --all)")
    v.add_argument(
        "--node-limit",
        type=_count,
        default=NODE_LIMIT,
        help=f"budget: enumeration nodes per rmap value; past it the verdict is "
        f"undecided (default {NODE_LIMIT:.0e})",
    )
    v.set_defaults(func=cmd_verify)
    cli_design.add_encoding_args(v)

    pr = sub.add_parser("proof", help="the argument with this configuration's numbers, for mail")
    _add_config_args(pr, custom=True)
    pr.add_argument("--order", type=int, help="folio order")
    pr.set_defaults(func=cmd_proof)
    cli_design.add_encoding_args(pr)
    cli_design.add_parsers(sub)

    co = sub.add_parser("cost", help="memory, atomics and cache lines per order")
    _add_config_args(co)
    co.add_argument("--json", action="store_true", help="JSON: a list of rows")
    co.set_defaults(func=cmd_cost)

    ba = sub.add_parser(
        "bench-atomics", help="measure the update path per encoding and K here (C, -O2)"
    )
    ba.add_argument(
        "--values",
        dest="nr_values",
        help="digits' K values to measure, e.g. 1-8 or 3,6 (default 1-8; with --encodings 3,4,6)",
    )
    ba.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    ba.add_argument(
        "--encodings",
        help="comma-separated: digits,moments,table-quadratic,table (default: digits only, "
        "per-mm sub-IDs, as before)",
    )
    ba.add_argument(
        "--addends",
        help="per-mm,per-update: load the addends from the mm or compute them from its id "
        "(default: both with --encodings, else per-mm)",
    )
    ba.add_argument(
        "--iters", type=_count, default=2_000_000, help="updates per thread per run (<= 1e8)"
    )
    ba.add_argument("--repeat", type=_count, default=3, help="runs per case, best kept (<= 50)")
    ba.add_argument(
        "--concurrent-tries",
        type=_count,
        default=200,
        help="extra short runs per multi-thread case to catch its threads running at once "
        "(0: none)",
    )
    ba.add_argument("--json", action="store_true")
    ba.set_defaults(func=cmd_bench_atomics)

    cp = sub.add_parser("compare", help="replay a workload through every scheme")
    _add_config_args(cp)
    cp.add_argument("--workload", help="workload name (see --list)")
    cp.add_argument("--schemes", help="comma-separated scheme names (default: all)")
    cp.add_argument("--order", type=int, default=9)
    cp.add_argument("--procs", type=int, default=8)
    cp.add_argument("--folios", type=int, default=4)
    cp.add_argument("--seed", type=int, default=0)
    cp.add_argument(
        "--encoding",
        help="rmap-id scheme's encoding family (digits, table, moments, raw-id, hash64, "
        "bit-counters; default: the configuration's posted sub-IDs)",
    )
    cp.add_argument("--list", action="store_true", help="name the workloads and schemes")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_compare)

    cl = sub.add_parser(
        "collide", help="probability that rmap sums collide into a false 'exclusive'"
    )
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

    rp = sub.add_parser("report", help="every figure and table, plus post.txt, into one folder")
    rp.add_argument("--out", required=True, help="output folder")
    rp.add_argument(
        "--config", default=DEFAULT_CONFIG.name, help=f"one of {', '.join(config_names())}"
    )
    rp.add_argument("--quick", action="store_true", help="fewer trials and sweep points")
    rp.add_argument("--seed", type=int, default=0)
    rp.set_defaults(func=cmd_report)

    c = sub.add_parser("configs", help="list the built-in configurations")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_configs)
    from .cli_race import add_parser as add_race_parsers

    add_race_parsers(sub)

    w = sub.add_parser("warmup", help="compile every numba kernel now (once per install)")
    w.add_argument("--json", action="store_true")
    w.set_defaults(func=cmd_warmup)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"rmaplab {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `rmaplab ... | head`: the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
