"""Command-line entry points for encodings: ``design``, ``verify --encoding``
and ``proof --encoding``.

``add_parsers(subparsers)`` adds ``rmaplab design``; ``add_encoding_args``
adds the encoding options to an existing ``verify`` or ``proof`` parser, whose
command delegates to :func:`cmd_verify_encoding` / :func:`cmd_proof_encoding`
when ``--encoding`` is given. Encodings are resolved here, once, from the
command line (:func:`resolve`); the library takes the resolved objects.
"""

from __future__ import annotations

import argparse
import json

from .config import ConfigError, _check_int
from .encoding import FAMILIES, Encoding, default_encoding

__all__ = [
    "add_encoding_args",
    "add_parsers",
    "cmd_design",
    "cmd_proof_encoding",
    "cmd_verify_encoding",
    "resolve",
]


def _emit(obj) -> None:
    print(json.dumps(obj, indent=2, default=str))


def add_encoding_args(p: argparse.ArgumentParser) -> None:
    """Encoding options for ``verify`` / ``proof`` (``--id-bits``,
    ``--word-bits``, ``--max-order`` and ``--order`` come from the parser)."""
    p.add_argument("--encoding", choices=list(FAMILIES), help="encoding family (see README)")
    p.add_argument(
        "--slice-bits", type=int, help="encoding: id bits per slice (digits, table, moments)"
    )
    p.add_argument("--base", type=int, help="encoding: digit base (digits; packed moments)")
    p.add_argument(
        "--packed", action="store_true", help="moments: one word per slice, powers packed"
    )
    p.add_argument("--table", help="table: JSON list of 2^B weights (default: PDEP)")


def _widths(args: argparse.Namespace) -> tuple[int, int, int]:
    if args.id_bits is None or args.word_bits is None:
        raise ConfigError("--encoding needs --id-bits I and --word-bits W")
    i = _check_int("id_bits", args.id_bits, 1, 32)
    w = _check_int("word_bits", args.word_bits, 2, 64)
    top = args.max_order if args.max_order is not None else args.order
    if top is None:
        raise ConfigError("--encoding needs --max-order O (or --order O)")
    top = _check_int("max_order", top, 0, min(30, w - 1))
    return i, w, top


def resolve(args: argparse.Namespace, order: int) -> Encoding:
    """The encoding the command line asks for, at ``order``."""
    i, w, top = _widths(args)
    if args.table is not None:
        if args.encoding != "table":
            raise ConfigError("--table goes with --encoding table")
        from .encoding import table

        try:
            t = json.loads(args.table)
        except ValueError:
            raise ConfigError("table must be a JSON list of integers, e.g. [0,1,5,11]") from None
        if not isinstance(t, list) or not t or not all(isinstance(x, int) for x in t):
            raise ConfigError("table must be a JSON list of integers, e.g. [0,1,5,11]")
        return table(i, w, t)
    if args.slice_bits is not None:
        _check_int("slice_bits", args.slice_bits, 1, i)
    return default_encoding(
        args.encoding,
        i,
        w,
        top,
        order,
        bits=args.slice_bits,
        base=args.base,
        packed=args.packed,
    )


def _orders(args: argparse.Namespace) -> list[int]:
    _, _, top = _widths(args)
    if args.all == (args.order is not None):
        raise ConfigError("give exactly one of --order O and --all")
    if args.all:
        return list(range(0, top + 1))
    return [_check_int("order", args.order, 0, top)]


def cmd_verify_encoding(args: argparse.Namespace) -> int:
    from .export import text_table, wrap
    from .verify_encoding import verify_encoding

    orders = _orders(args)
    encs = [resolve(args, o) for o in orders]  # every input checked before any work
    it = zip(orders, encs, strict=True)
    if getattr(args, "progress", False):
        from tqdm.auto import tqdm

        it = tqdm(list(it), desc=f"verify {args.encoding}", unit="order")
    verdicts = [verify_encoding(e, o) for o, e in it]
    if args.json:
        _emit([v.to_json() for v in verdicts])
        return 0
    import pandas as pd

    print(wrap(f"{args.encoding}: {encs[-1].describe()}"))
    print()
    tab = pd.DataFrame(
        [
            {
                "order": v.order,
                "K": v.values,
                "verdict": v.verdict,
                "method": v.method,
                "min_n": v.min_mappings or "-",
                "proven": "yes" if v.proven_minimal else "no",
            }
            for v in verdicts
        ]
    )
    print(text_table(tab))
    for v in verdicts:
        if v.verdict != "safe" or len(verdicts) == 1:
            print()
            print(wrap(f"order {v.order}: {v.verdict.upper()} by {v.method}: {v.evidence}"))
            if v.counterexample:
                ce = v.counterexample["mappings"]
                print(
                    wrap(
                        "counterexample [id, count] (victim first; replays to a wrong "
                        "'exclusive'): "
                        + ", ".join(f"[{m}, {c}]" for m, c in ce[:8])
                        + (f" ... ({len(ce)} mms)" if len(ce) > 8 else "")
                    )
                )
    return 0


def cmd_proof_encoding(args: argparse.Namespace) -> int:
    from .proof_encoding import proof_text_encoding

    if args.order is None:
        raise ConfigError("--order is required")
    enc = resolve(args, args.order)
    print(proof_text_encoding(enc, args.order))
    return 0


def cmd_design(args: argparse.Namespace) -> int:
    from .design import design
    from .views import design_text

    i = _check_int("id_bits", args.id_bits, 1, 32)
    w = _check_int("word_bits", args.word_bits, 2, 64)
    top = _check_int("max_order", args.max_order, 0, min(30, w - 1))
    lo = _check_int("min_order", args.min_order, 0, top)
    df = design(i, w, top, min_order=lo, progress=args.progress)
    if args.csv:
        with open(args.csv, "w") as fh:
            fh.write("# regenerate: rmaplab " + " ".join(args.argv) + "\n")
            df.to_csv(fh, index=False)
    if args.json:
        rows = df.drop(columns=["id_bits", "word_bits"]).to_dict(orient="records")
        for r in rows:
            for k, v in r.items():
                if isinstance(v, float) and v != v:
                    r[k] = None
                elif hasattr(v, "item"):
                    r[k] = v.item()
                if isinstance(r[k], float) and r[k].is_integer():
                    r[k] = int(r[k])  # counts: a None elsewhere in the column made them float
        _emit(rows)
        return 0
    # the same text the report and notebook 06 show (one view)
    print(design_text(df))
    return 0


def cmd_table_frontier(args: argparse.Namespace) -> int:
    from .frontier_tables import frontier_table
    from .views import tiny_frontier_text

    bits = [_check_int("slice_bits", b, 2, 4) for b in _ints(args.slice_bits, "slice_bits")]
    words = [_check_int("word_bits", w, 4, 16) for w in _ints(args.word_bits, "word_bits")]
    for b in bits:
        for w in words:
            if w < b:
                raise ConfigError(
                    f"word_bits={w} is out of range for slice_bits={b}: allowed >= {b}"
                )
    secs = float(args.seconds)
    if not 0 < secs <= 600:
        raise ConfigError(f"seconds={args.seconds} is out of range: allowed (0, 600]")
    search_secs = float(args.search_seconds)
    if not 0 <= search_secs <= 600:
        raise ConfigError(f"search_seconds={args.search_seconds} is out of range: allowed [0, 600]")
    nodes = _check_int("max_nodes", args.max_nodes, 0, 10**12)
    df = frontier_table(
        bits,
        words,
        seconds=secs,
        seed=args.seed,
        max_nodes=nodes,
        search_seconds=search_secs,
        precomputed=args.precomputed,
        progress=args.progress,
    )
    if args.csv:
        with open(args.csv, "w") as fh:
            fh.write("# regenerate: rmaplab " + " ".join(args.argv) + "\n")
            df.to_csv(fh, index=False)
    if args.json:
        _emit(df.to_dict(orient="records"))
        return 0
    # the same text the report and notebook 06 show (one view)
    print(tiny_frontier_text(df))
    return 0


def _ints(text: str, name: str) -> list[int]:
    from .atomics import parse_range

    return parse_range(text, name, 0, 64)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser(
        "table-frontier", help="one value: largest safe folio for linear weights vs any table"
    )
    f.add_argument("--slice-bits", default="2-4", help="slice bits B, e.g. 2-4 (2..4)")
    f.add_argument("--word-bits", default="8,10,12,14,16", help="word bits W (4..16)")
    f.add_argument(
        "--seconds",
        default="600",
        help="safety stop of the hill climbing per open case (default 600; its budget is tables)",
    )
    f.add_argument(
        "--max-nodes",
        type=int,
        default=10**6,
        help="exhaustive search: node budget per case (default 1000000)",
    )
    f.add_argument(
        "--search-seconds",
        default="600",
        help="exhaustive search: safety stop per case (default 600; its budget is --max-nodes)",
    )
    f.add_argument(
        "--precomputed",
        action="store_true",
        help="take the search's results from the package data where it has the case",
    )
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--json", action="store_true")
    f.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    f.add_argument("--progress", action="store_true")
    f.set_defaults(func=cmd_table_frontier)

    d = sub.add_parser(
        "design", help="fewest rmap values proven safe per order, over encoding families"
    )
    d.add_argument("--id-bits", type=int, required=True, help="mm id bits (1..32)")
    d.add_argument("--word-bits", type=int, required=True, help="rmap value bits (2..64)")
    d.add_argument("--max-order", type=int, required=True, help="largest folio order")
    d.add_argument("--min-order", type=int, default=0, help="smallest folio order (default 0)")
    d.add_argument("--json", action="store_true", help="JSON: a list of rows")
    d.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    d.add_argument("--progress", action="store_true", help="progress bar")
    d.set_defaults(func=cmd_design)
