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
from typing import TYPE_CHECKING

from .. import budget
from ..config import ConfigError, _check_int
from ..validate import (
    ID_BITS_RANGE,
    MAX_ORDER,
    ORDER_RANGE,
    WORD_BITS_RANGE,
    check_out_file,
    float_arg,
    int_arg,
    parse_int_list,
    refuse_options,
)

if TYPE_CHECKING:
    from ..encodings import Encoding

HELP = {
    "table-frontier": "one value: largest safe folio for linear weights vs any table",
    "design": "fewest rmap values proven safe per order, over encoding families",
}

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
    from ..encodings import FAMILIES

    p.add_argument("--encoding", choices=list(FAMILIES), help="encoding family (see README)")
    p.add_argument(
        "--slice-bits",
        type=int_arg(*ID_BITS_RANGE),
        help="encoding: id bits per slice (digits, table, moments)",
    )
    p.add_argument(
        "--base",
        type=int_arg(*BASE_RANGE),
        help="encoding: digit base (digits; table: a power of 2; packed moments)",
    )
    p.add_argument(
        "--packed", action="store_true", help="moments: one word per slice, powers packed"
    )
    p.add_argument("--table", help="table: JSON list of 2^B weights (default: PDEP)")


#: table-frontier: the cases the exhaustive search and the shipped data cover
FRONTIER_SLICE_BITS_RANGE = (2, 4)
FRONTIER_WORD_BITS_RANGE = (4, 16)
#: time budgets in seconds (a safety stop, not a result)
SECONDS_RANGE = (0.0, 600.0)
MAX_NODES_RANGE = (0, 10**12)
SEED_RANGE = (0, (1 << 64) - 1)
#: --base: a digit base of at least 2 (0 or 1 would silently mean the default)
BASE_RANGE = (2, 1 << 64)


def _family_options_given(args: argparse.Namespace) -> dict[str, bool]:
    return {
        "--slice-bits": args.slice_bits is not None,
        "--base": args.base is not None,
        "--packed": bool(args.packed),
        "--table": args.table is not None,
    }


def refuse_family_options(args: argparse.Namespace, mode: str) -> None:
    """Refuse --slice-bits, --base, --packed and --table where no family is named."""
    refuse_options(_family_options_given(args), mode)


def check_family_options(args: argparse.Namespace) -> None:
    """Refuse a family option the chosen family does not take (ignoring it
    would quietly answer for another encoding); the family says which it
    takes and which combinations mean nothing."""
    from ..encodings import get_family

    fam = get_family(args.encoding)
    given = _family_options_given(args)
    refuse_options(
        {f: on and f not in fam.options for f, on in given.items()}, f"--encoding {args.encoding}"
    )
    fam.check_options(
        {
            "--slice-bits": args.slice_bits,
            "--base": args.base,
            "--packed": args.packed,
            "--table": args.table,
        }
    )


def _widths(args: argparse.Namespace) -> tuple[int, int, int]:
    if args.id_bits is None or args.word_bits is None:
        raise ConfigError("--encoding needs --id-bits I and --word-bits W")
    i = _check_int("--id-bits", args.id_bits, *ID_BITS_RANGE)
    w = _check_int("--word-bits", args.word_bits, *WORD_BITS_RANGE)
    top = args.max_order if args.max_order is not None else args.order
    if top is None:
        raise ConfigError("--encoding needs --max-order O (or --order O)")
    top = _check_int("--max-order", top, 0, min(MAX_ORDER, w - 1))
    return i, w, top


def resolve(args: argparse.Namespace, order: int) -> Encoding:
    """The encoding the command line asks for, at ``order``."""
    i, w, top = _widths(args)
    check_family_options(args)
    if args.slice_bits is not None:
        _check_int("--slice-bits", args.slice_bits, 1, i)
    if args.table is not None:
        from ..encodings import table

        try:
            t = json.loads(args.table)
        except ValueError:
            raise ConfigError(
                f"--table={args.table!r} is not a JSON list: allowed a JSON list of 2^B "
                "integers, e.g. [0,1,5,11]"
            ) from None
        if not isinstance(t, list) or not t or not all(type(x) is int for x in t):
            raise ConfigError(
                f"--table={args.table!r} is not a list of integers: allowed a JSON list "
                "of 2^B integers, e.g. [0,1,5,11]"
            )
        bits = len(t).bit_length() - 1
        if args.slice_bits is not None and len(t) != 1 << args.slice_bits:
            raise ConfigError(
                f"--slice-bits={args.slice_bits} does not match --table's {len(t)} "
                f"entries: allowed {bits if len(t) == 1 << bits else 'none'} "
                f"(2^B entries for B slice bits), or leave --slice-bits out"
            )
        return table(i, w, t)
    from ..encodings import default_encoding

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
    return [_check_int("--order", args.order, 0, top)]


def _refuse_configuration_options(args: argparse.Namespace) -> None:
    """--encoding takes its widths from --id-bits/--word-bits/--max-order:
    a named or custom configuration does not apply."""
    refuse_options(
        {
            "--config": args.config is not None,
            "--values": args.nr_values is not None,
            "--bits": args.bits is not None,
            "--base-pages": args.base_pages is not None,
        },
        "--encoding (give --id-bits, --word-bits, --max-order)",
    )


def cmd_verify_encoding(args: argparse.Namespace) -> int:
    from ..certify import verify_encoding
    from ..export import text_table, wrap

    _refuse_configuration_options(args)
    refuse_options(
        {
            "--csv": args.csv is not None,
            "--steps": args.steps,
        },
        "--encoding (verify without --encoding writes the CSV and the steps)",
    )
    orders = _orders(args)
    encs = [resolve(args, o) for o in orders]  # every input checked before any work
    try:
        verdicts = _per_order(
            args,
            list(zip(orders, encs, strict=True)),
            lambda oe: verify_encoding(oe[1], oe[0], args.node_limit),
            f"verify {args.encoding}",
        )
    except budget.TimeLimitReached as e:
        return budget.stopped(args, e)
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


def _per_order(args: argparse.Namespace, items: list, work, desc: str) -> list:
    """``work(item)`` for each order's item, under ``--max-seconds`` (counted
    in orders) and with a bar per order when progress is on."""
    counter = budget.WorkCounter("orders", len(items))
    out = []
    with budget.time_limit(args.max_seconds, counter):
        it = items
        if budget.want_progress(args.progress):
            from tqdm.auto import tqdm

            it = tqdm(items, desc=desc, unit="order")
        for x in it:
            out.append(work(x))
            counter.step()
    return out


def cmd_proof_encoding(args: argparse.Namespace) -> int:
    from ..certify import proof_text_encoding

    _refuse_configuration_options(args)
    if args.order is None:
        raise ConfigError("--order is required")
    enc = resolve(args, args.order)
    print(proof_text_encoding(enc, args.order))
    return 0


def cmd_design(args: argparse.Namespace) -> int:
    from ..design import design
    from ..views import design_text

    i, w = args.id_bits, args.word_bits
    top = _check_int("--max-order", args.max_order, 0, min(MAX_ORDER, w - 1))
    lo = _check_int("--min-order", args.min_order, 0, top)
    if args.csv is not None:
        check_out_file("--csv", args.csv)
    if args.mapcount_bits:
        return _cmd_design_mapcount(args, i, w, top, lo)
    try:
        # one order at a time (each order's rows are independent): --max-seconds
        # counts finished orders, and the bar moves per order
        parts = _per_order(
            args,
            list(range(lo, top + 1)),
            lambda o: design(i, w, o, min_order=o),
            f"design {i}/{w}",
        )
    except budget.TimeLimitReached as e:
        return budget.stopped(args, e)
    import pandas as pd

    df = pd.concat(parts, ignore_index=True)
    if args.csv is not None:
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


def _cmd_design_mapcount(args: argparse.Namespace, i: int, w: int, top: int, lo: int) -> int:
    """``design --mapcount-bits M``: one value + M bits of the mapcount word."""
    from ..design_mapcount import design_mapcount_rows, design_mapcount_text

    rows = design_mapcount_rows(i, w, top, lo, args.mapcount_bits)
    if args.csv is not None:
        import pandas as pd

        with open(args.csv, "w") as fh:
            fh.write("# regenerate: rmaplab " + " ".join(args.argv) + "\n")
            pd.DataFrame(rows).to_csv(fh, index=False)
    if args.json:
        _emit(rows)
    else:
        print(design_mapcount_text(rows, i, w))
    return 0


def cmd_table_frontier(args: argparse.Namespace) -> int:
    from ..frontier_tables import frontier_table
    from ..views import tiny_frontier_text

    # ranges checked as bounds, then expanded (at most a handful of cases)
    bits = parse_int_list(args.slice_bits, "--slice-bits", *FRONTIER_SLICE_BITS_RANGE)
    words = parse_int_list(args.word_bits, "--word-bits", *FRONTIER_WORD_BITS_RANGE)
    for b in bits:
        for w in words:
            if w < b:
                raise ConfigError(
                    f"--word-bits={w} is out of range for --slice-bits={b}: allowed >= {b}"
                )
    if args.csv is not None:
        check_out_file("--csv", args.csv)
    counter = budget.WorkCounter("cases", len(bits) * len(words))
    try:
        # each case's own safety stops are capped by --max-seconds, and the time
        # is checked after every case: a capped case is always past the limit
        cap = args.max_seconds if args.max_seconds is not None else float("inf")
        with budget.time_limit(args.max_seconds, counter, alarm=False):
            df = frontier_table(
                bits,
                words,
                seconds=min(args.seconds, cap),
                seed=args.seed,
                max_nodes=args.max_nodes,
                search_seconds=min(args.search_seconds, cap),
                precomputed=args.precomputed,
                progress=budget.want_progress(args.progress),
                on_case=counter.step,
            )
    except budget.TimeLimitReached as e:
        return budget.stopped(args, e)
    if args.csv is not None:
        with open(args.csv, "w") as fh:
            fh.write("# regenerate: rmaplab " + " ".join(args.argv) + "\n")
            df.to_csv(fh, index=False)
    if args.json:
        _emit(df.to_dict(orient="records"))
        return 0
    # the same text the report and notebook 06 show (one view)
    print(tiny_frontier_text(df))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("table-frontier", help=HELP["table-frontier"])
    lo, hi = FRONTIER_SLICE_BITS_RANGE
    f.add_argument("--slice-bits", default="2-4", help=f"slice bits B, e.g. 2-4 ({lo}..{hi})")
    lo, hi = FRONTIER_WORD_BITS_RANGE
    f.add_argument("--word-bits", default="8,10,12,14,16", help=f"word bits W ({lo}..{hi})")
    f.add_argument(
        "--seconds",
        type=float_arg(*SECONDS_RANGE, lo_open=True),
        default="600",
        help="safety stop of the hill climbing per open case (default 600; its budget is tables)",
    )
    f.add_argument(
        "--max-nodes",
        type=int_arg(*MAX_NODES_RANGE),
        default=10**6,
        help="exhaustive search: node budget per case (default 1000000)",
    )
    f.add_argument(
        "--search-seconds",
        type=float_arg(*SECONDS_RANGE),
        default="600",
        help="exhaustive search: safety stop per case (default 600; its budget is --max-nodes)",
    )
    f.add_argument(
        "--precomputed",
        action="store_true",
        help="take the search's results from the package data where it has the case",
    )
    f.add_argument("--seed", type=int_arg(*SEED_RANGE), default=0, help="hill climbing's seed")
    f.add_argument("--json", action="store_true")
    f.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    budget.add_budget_args(f)
    f.set_defaults(func=cmd_table_frontier)

    d = sub.add_parser("design", help=HELP["design"])
    d.add_argument(
        "--id-bits",
        type=int_arg(*ID_BITS_RANGE),
        required=True,
        help="mm id bits ({}..{})".format(*ID_BITS_RANGE),
    )
    d.add_argument(
        "--word-bits",
        type=int_arg(*WORD_BITS_RANGE),
        required=True,
        help="rmap value bits ({}..{})".format(*WORD_BITS_RANGE),
    )
    d.add_argument(
        "--max-order", type=int_arg(*ORDER_RANGE), required=True, help="largest folio order"
    )
    d.add_argument(
        "--min-order",
        type=int_arg(*ORDER_RANGE),
        default=0,
        help="smallest folio order (default 0)",
    )
    d.add_argument(
        "--mapcount-bits",
        type=int_arg(0, 62),
        default=0,
        help="spare top bits of the 64-bit total mapcount word the design may use "
        "(0 = today: one value only)",
    )
    d.add_argument("--json", action="store_true", help="JSON: a list of rows")
    d.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    budget.add_budget_args(d)
    d.set_defaults(func=cmd_design)
