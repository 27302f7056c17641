"""``rmaplab verify`` and ``rmaplab proof``: can the check be fooled, and the
argument with the configuration's numbers (``--encoding``: see :mod:`.design`)."""

from __future__ import annotations

from .. import budget
from ..config import ConfigError
from ..export import text_table, wrap
from ..validate import ORDER_RANGE, int_arg
from . import design as _design
from ._common import _add_config_args, _check_csv_path, _emit_json, _verify_config

HELP = {
    "verify": "can the check be fooled? certificate or counterexample",
    "proof": "the argument with this configuration's numbers, for mail",
}
#: --node-limit: at least one node; 1e9 nodes is hours of search
NODE_LIMIT_RANGE = (1, 10**9)


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
        from ..verify import split_counterexample

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


def _verify_limited(args, cfg, orders: list[int]):
    """``verify`` of each order under ``--max-seconds`` (counted in enumeration
    nodes through the search's node hook) with the progress bars of
    ``verify``/``verify_all``."""
    from .. import verify as V
    from ..encodings.digits_lattice import ON_NODES

    counter = budget.WorkCounter("nodes")
    show = budget.want_progress(args.progress)
    bar = None
    # the node hook checks the time every 10 000 nodes: no alarm needed
    with budget.time_limit(args.max_seconds, counter, alarm=False):
        if show:
            from tqdm.auto import tqdm

            g = cfg.group_for(orders[-1])
            bar = tqdm(
                total=args.node_limit * g.nr_values if len(orders) == 1 else len(orders),
                desc=f"verify order {orders[0]} (budget {args.node_limit} nodes per value)"
                if len(orders) == 1
                else f"verify {cfg.name}",
                unit="node" if len(orders) == 1 else "order",
                unit_scale=len(orders) == 1,
                delay=1.0 if len(orders) == 1 else 0.0,
            )

        def on_nodes(n: int) -> None:
            counter.add(n)
            if bar is not None and len(orders) == 1:
                bar.update(n)
            counter.check()

        hooked = bar is not None or args.max_seconds is not None
        token = ON_NODES.set(on_nodes if hooked else None)
        try:
            verdicts = []
            for o in orders:
                verdicts.append(V.verify(cfg, o, args.node_limit))
                counter.check()
                if bar is not None and len(orders) > 1:
                    bar.update(1)
        finally:
            ON_NODES.reset(token)
            if bar is not None:
                bar.close()
    return verdicts


def cmd_verify(args) -> int:
    from ..views import Params, view

    if args.encoding is not None:
        return _design.cmd_verify_encoding(args)
    _design.refuse_family_options(args, "a configuration (without --encoding)")
    cfg = _verify_config(args)
    if args.all == (args.order is not None):
        raise ConfigError("give exactly one of --order O and --all")
    if args.order is not None:
        cfg.group_for(args.order)  # refuse an uncovered order before any work
    if args.csv is not None:
        _check_csv_path(args.csv, "--csv")
    try:
        verdicts = _verify_limited(args, cfg, list(cfg.orders) if args.all else [args.order])
    except budget.TimeLimitReached as e:
        return budget.stopped(args, e)
    df = None
    if args.all:
        import pandas as pd

        df = pd.DataFrame([r.to_json() for r in verdicts])  # verify_all's table
    if args.csv is not None:
        from ..verify import save_table

        if df is None:  # --order: the row asked for (save_table alone would verify all)
            import pandas as pd

            df = pd.DataFrame([v.to_json() for v in verdicts])
        save_table(cfg, args.csv, df, argv=args.argv)
    if args.steps:
        from ..proof import replay_steps

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
    from ..proof import proof_text

    if args.encoding is not None:
        return _design.cmd_proof_encoding(args)
    _design.refuse_family_options(args, "a configuration (without --encoding)")
    cfg = _verify_config(args)
    if args.order is None:
        raise ConfigError("--order is required")
    print(proof_text(cfg, args.order))
    return 0


def add_parsers(sub) -> None:
    from ..verify import NODE_LIMIT

    v = sub.add_parser("verify", help=HELP["verify"])
    _add_config_args(v, custom=True)
    v.add_argument("--order", type=int_arg(*ORDER_RANGE), help="one folio order")
    v.add_argument("--all", action="store_true", help="every order of the configuration")
    v.add_argument("--json", action="store_true", help="JSON: a list of rows, one per order")
    v.add_argument("--csv", metavar="PATH", help="also save the table as CSV")
    v.add_argument("--steps", action="store_true", help="replay each counterexample step by step")
    budget.add_budget_args(v)
    v.add_argument(
        "--node-limit",
        type=int_arg(*NODE_LIMIT_RANGE),
        default=NODE_LIMIT,
        help=f"budget: enumeration nodes per rmap value; past it the verdict is "
        f"undecided (default {NODE_LIMIT:.0e})",
    )
    v.set_defaults(func=cmd_verify)
    _design.add_encoding_args(v)

    pr = sub.add_parser("proof", help=HELP["proof"])
    _add_config_args(pr, custom=True)
    pr.add_argument("--order", type=int_arg(*ORDER_RANGE), help="folio order")
    pr.set_defaults(func=cmd_proof)
    _design.add_encoding_args(pr)
