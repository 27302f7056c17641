"""The ``rmaplab`` command line.

Every subcommand prints plain text that fits in 72 columns, or with
``--json`` a stable JSON document (field names are an interface; see the
issue that introduced each command).
"""

from __future__ import annotations

import argparse
import json
import sys

from .config import ConfigError, config_names, config_table, derive_config, get_config
from .export import text_table, wrap

__all__ = ["main"]


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
    print(wrap(
        f"ids 1..{cfg.max_id} ({cfg.id_bits} bits), {cfg.word_bits}-bit rmap "
        "values. headroom = word_bits - bit_length(P_g * max sub-ID); "
        "negative: a sum of P_g sub-IDs can wrap the word."
    ))
    print()
    cols = ["order", "values", "bits", "base_pages", "bytes", "ids_supported", "headroom_bits"]
    hdr = ["order", "K", "B", "P_g", "bytes", "ids", "headroom"]
    print(text_table(df, cols, hdr))
    bad = df[~df["rule_ok"]]
    if len(bad):
        print()
        print(wrap(
            "rule 'P_g * max sub-ID fits in the word' fails at orders "
            + ", ".join(str(o) for o in bad["order"])
            + " (see `rmaplab verify` for whether the check can be fooled)."
        ))
    return 0


def cmd_subids(args) -> int:
    from .subid import subid_table

    table = subid_table(args.base_pages, args.bits, args.word_bits)
    if args.json:
        _emit_json(table)
        return 0
    import pandas as pd

    print(wrap(
        f"calc_rmap_subid({args.base_pages}, i) for i in 0..{len(table) - 1}: "
        f"binary digits of i in base {args.base_pages + 1}, modulo 2^{args.word_bits}"
    ))
    print()
    df = pd.DataFrame({"i": range(len(table)), "subid": table, "hex": [f"{v:#x}" for v in table]})
    print(text_table(df))
    return 0


def cmd_configs(args) -> int:
    rows = []
    for name in config_names():
        c = get_config(name)
        rows.append({
            "name": c.name,
            "id_bits": c.id_bits,
            "word_bits": c.word_bits,
            "orders": f"{c.min_order}..{c.max_order}",
            "max_values": c.max_values,
            "description": c.description,
        })
    if args.json:
        _emit_json(rows)
        return 0
    import pandas as pd

    print(text_table(pd.DataFrame(rows).drop(columns="description")))
    for r in rows:
        print()
        print(wrap(f"{r['name']}: {r['description']}"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rmaplab",
        description="Exact arithmetic for the rmap-ID 'mapped shared' proposal.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("table", help="per-order groups, bytes, ids and headroom")
    t.add_argument("--config", default="wip-v1", help=f"one of {', '.join(config_names())}")
    t.add_argument("--id-bits", type=int, help="derive a configuration: id bits")
    t.add_argument("--word-bits", type=int, help="derive a configuration: word bits")
    t.add_argument("--max-order", type=int, help="derive a configuration: largest order")
    t.add_argument("--json", action="store_true", help="JSON: a list of rows")
    t.set_defaults(func=cmd_table)

    s = sub.add_parser("subids", help="a sub-ID table, as calc_rmap_subid computes it")
    s.add_argument("--base-pages", type=int, required=True, help="P_g (digit base P_g + 1)")
    s.add_argument("--bits", type=int, required=True, help="index bits B (2^B entries)")
    s.add_argument("--word-bits", type=int, default=64, help="word width (default 64)")
    s.add_argument("--json", action="store_true", help="JSON: a list of integers")
    s.set_defaults(func=cmd_subids)

    c = sub.add_parser("configs", help="list the built-in configurations")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_configs)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"rmaplab {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
