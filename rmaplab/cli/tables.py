"""``rmaplab table``, ``subids``, ``configs``, ``cost`` and ``warmup``: the
configuration's numbers, without a search."""

from __future__ import annotations

from ..config import ConfigError, config_names, get_config
from ..export import text_table, wrap
from ..validate import BASE_PAGES_RANGE, SUBID_BITS_RANGE, SUBID_WORD_BITS_RANGE, int_arg
from ._common import _add_config_args, _config_from_args, _emit_json

#: --max-entries: at least one entry, at most the largest table --bits allows
MAX_ENTRIES_RANGE = (1, 1 << SUBID_BITS_RANGE[1])

HELP = {
    "table": "per-order groups, bytes, ids and headroom",
    "subids": "a sub-ID table, as calc_rmap_subid computes it",
    "cost": "memory, atomics and cache lines per order",
    "configs": "list the built-in configurations",
    "warmup": "compile every numba kernel now (once per install)",
}


def cmd_table(args) -> int:
    from ..config import config_table
    from ..views import Params, view

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
    from ..subid import subid_table

    if (1 << args.bits) > args.max_entries:
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


def cmd_cost(args) -> int:
    from ..cost import cost_table
    from ..views import Params, view

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


def cmd_warmup(args) -> int:
    from .._kernels import jit_enabled, warmup

    secs = warmup()
    if args.json:
        _emit_json({"jit": jit_enabled(), "seconds": secs})
        return 0
    for fam, t in secs.items():
        print(f"{fam:<12}{t:>8.2f} s")
    print(wrap("kernels compiled (first run after install) or loaded from numba's cache"))
    return 0


def add_parsers(sub) -> None:
    t = sub.add_parser("table", help=HELP["table"])
    _add_config_args(t)
    t.add_argument("--json", action="store_true", help="JSON: a list of rows")
    t.set_defaults(func=cmd_table)

    s = sub.add_parser("subids", help=HELP["subids"])
    s.add_argument(
        "--base-pages",
        type=int_arg(*BASE_PAGES_RANGE),
        required=True,
        help="P_g (digit base P_g + 1)",
    )
    s.add_argument(
        "--bits", type=int_arg(*SUBID_BITS_RANGE), required=True, help="index bits B (2^B entries)"
    )
    s.add_argument(
        "--word-bits",
        type=int_arg(*SUBID_WORD_BITS_RANGE),
        default=64,
        help="word width (default 64)",
    )
    s.add_argument(
        "--max-entries",
        type=int_arg(*MAX_ENTRIES_RANGE),
        default=1 << 16,
        help="budget: largest table printed (default 65536 = 2^16 entries)",
    )
    s.add_argument("--json", action="store_true", help="JSON: a list of integers")
    s.set_defaults(func=cmd_subids)

    co = sub.add_parser("cost", help=HELP["cost"])
    _add_config_args(co)
    co.add_argument("--json", action="store_true", help="JSON: a list of rows")
    co.set_defaults(func=cmd_cost)

    c = sub.add_parser("configs", help=HELP["configs"])
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_configs)

    w = sub.add_parser("warmup", help=HELP["warmup"])
    w.add_argument("--json", action="store_true")
    w.set_defaults(func=cmd_warmup)
