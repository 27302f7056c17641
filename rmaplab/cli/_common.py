"""Helpers every command group shares: JSON output, configuration options.

Imports nothing heavy at module level: ``rmaplab --help`` loads no library.
"""

from __future__ import annotations

import json
import sys

from ..config import DEFAULT_CONFIG, ConfigError, config_names, derive_config, get_config
from ..validate import (
    BASE_PAGES_RANGE,
    ID_BITS_RANGE,
    ORDER_RANGE,
    WORD_BITS_RANGE,
    check_choice,
    check_out_file,
    int_arg,
)

#: Rmap values K and id bits per value B a custom configuration may ask for
#: (single_group_config narrows them to the widths).
VALUES_RANGE = (1, 64)
BITS_RANGE = ID_BITS_RANGE


def _check_csv_path(path: str, flag: str) -> None:
    """Refuse an output file that cannot be written, before computing anything."""
    check_out_file(flag, path)


def given_flags(args) -> list[str]:
    """The long options written on the command line (``--x v`` or ``--x=v``),
    to refuse those a mode would ignore although they have defaults."""
    return [a.split("=", 1)[0] for a in getattr(args, "argv", []) if a.startswith("--")]


def refuse_all_but(args, allowed: tuple[str, ...], mode: str) -> None:
    """Refuse every option given except ``allowed`` (a listing mode ignores them)."""
    from ..validate import refuse_options

    refuse_options({f: f not in allowed for f in given_flags(args)}, mode)


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
        if args.config is not None:
            raise ConfigError(
                f"--config={args.config} does not apply to a derived configuration "
                "(--id-bits, --word-bits, --max-order): allowed one or the other"
            )
        return derive_config(args.id_bits, args.word_bits, args.max_order)
    return get_config(config_name(args))


def config_name(args) -> str:
    """``--config``, checked against the built-in names (default: the posted one)."""
    if args.config is None:
        return DEFAULT_CONFIG.name
    return check_choice("--config", args.config, config_names())


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
        if args.config is not None:
            raise ConfigError(
                f"--config={args.config} does not apply to a custom configuration "
                "(--values, --bits, --base-pages): allowed one or the other"
            )
        from ..config import single_group_config

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


def add_config_arg(p) -> None:
    p.add_argument(
        "--config",
        help=f"one of {', '.join(config_names())} (default {DEFAULT_CONFIG.name})",
    )


def _add_config_args(p, custom: bool = False):
    add_config_arg(p)
    p.add_argument(
        "--id-bits",
        type=int_arg(*ID_BITS_RANGE),
        help="id bits (derived or custom configuration)",
    )
    p.add_argument(
        "--word-bits",
        type=int_arg(*WORD_BITS_RANGE),
        help="word bits (derived or custom configuration)",
    )
    p.add_argument(
        "--max-order",
        type=int_arg(*ORDER_RANGE),
        help="largest order (derived or custom configuration)",
    )
    if custom:
        p.add_argument(
            "--values", dest="nr_values", type=int_arg(*VALUES_RANGE), help="custom: rmap values K"
        )
        p.add_argument("--bits", type=int_arg(*BITS_RANGE), help="custom: id bits per value B")
        p.add_argument(
            "--base-pages",
            type=int_arg(*BASE_PAGES_RANGE),
            help="custom: P_g (default 2^max order)",
        )
