"""Helpers every command group shares: JSON output, configuration options.

Imports nothing heavy at module level: ``rmaplab --help`` loads no library.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..config import DEFAULT_CONFIG, ConfigError, config_names, derive_config, get_config


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
