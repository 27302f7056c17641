"""``rmaplab report``: every figure and table, plus post.txt, into one folder."""

from __future__ import annotations

import argparse

from ..budget import want_progress
from ..config import DEFAULT_CONFIG, config_names
from ..export import wrap
from ..validate import int_arg

#: build_report's seeds
SEED_RANGE = (0, 2**63 - 1)

HELP = {"report": "every figure and table, plus post.txt, into one folder"}


def cmd_report(args) -> int:
    import shlex

    from ..report import build_report

    # build_report validates the configuration, the seed and the folder first
    build_report(
        args.out,
        args.config,
        quick=args.quick,
        seed=args.seed,
        progress=want_progress(args.progress),
        force=args.force,
        command=shlex.join(["rmaplab", *args.argv]),
    )
    print(wrap(f"report written to {args.out}/ (post.txt is the summary for mail)"))
    return 0


def add_parsers(sub) -> None:
    rp = sub.add_parser("report", help=HELP["report"])
    rp.add_argument("--out", required=True, help="output folder")
    rp.add_argument(
        "--config", default=DEFAULT_CONFIG.name, help=f"one of {', '.join(config_names())}"
    )
    rp.add_argument("--quick", action="store_true", help="fewer trials and sweep points")
    rp.add_argument("--seed", type=int_arg(*SEED_RANGE), default=0)
    rp.add_argument(
        "--force",
        action="store_true",
        help="replace a non-empty --out rmaplab did not write (its files are deleted)",
    )
    rp.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    rp.set_defaults(func=cmd_report)
