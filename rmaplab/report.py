"""``rmaplab report``: every figure and table the notebooks show, from scratch.

Writes CSV (data), TXT (plain text, at most 72 columns, ready for mail), PNG
and SVG (vl-convert, no browser) into one folder, plus ``post.txt``: a
plain-text summary a developer could send to linux-mm. Deterministic for a
seed: the same bytes on a rerun. Nothing here is measured on the machine
(``rmaplab bench-atomics`` is), so reruns agree anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .config import config_table, get_config
from .export import MAIL_WIDTH, check_width, save_chart, text_bars, text_lines, text_table, wrap

__all__ = ["build_report", "post_text"]


class _Writer:
    def __init__(self, out: Path):
        self.out = out
        self.files: list[str] = []

    def text(self, name: str, text: str) -> None:
        check_width(text, MAIL_WIDTH)
        (self.out / f"{name}.txt").write_text(text.rstrip() + "\n")
        self.files.append(f"{name}.txt")

    def csv(self, name: str, df: pd.DataFrame) -> None:
        df.to_csv(self.out / f"{name}.csv", index=False, lineterminator="\n")
        self.files.append(f"{name}.csv")

    def chart(self, name: str, chart) -> None:
        for p in save_chart(chart, self.out / name):
            self.files.append(Path(p).name)


def _steps(quick: bool, seed: int, config):
    """(name, function) pairs; each function writes its part and returns facts."""
    from . import compare as cmp
    from . import cost, plotting
    from .collide import collide, sweep
    from .proof import proof_text, replay_steps
    from .verify import verify, verify_all

    cfg = get_config(config)
    trials = 20_000 if quick else 200_000
    # the order whose counterexample the schemes and collision parts replay
    unsafe_order = max((o for o in cfg.orders if verify(cfg, o).verdict == "unsafe"), default=None)

    def table(w):
        df = config_table(cfg)
        w.csv("table", df)
        w.text(
            "table",
            text_table(
                df,
                ["order", "values", "bits", "base_pages", "bytes", "headroom_bits"],
                ["order", "K", "B", "P_g", "bytes", "headroom"],
            ),
        )
        return {}

    def verify(w):
        df = verify_all(cfg)
        out = df.drop(columns=["certificate"]).assign(
            counterexample=[json.dumps(c) if c else "" for c in df["counterexample"]]
        )
        w.csv("verify", out)
        tab = df.assign(
            min_n=df["min_mappings"].map(lambda v: "-" if v is None or v != v else int(v))
        )
        w.text(
            "verify",
            text_table(
                tab,
                ["order", "values", "bits", "base_pages", "verdict", "method", "min_n"],
                ["order", "K", "B", "P_g", "verdict", "method", "min n"],
            ),
        )
        w.chart("frontier", plotting.frontier_chart([cfg], word_bits=cfg.word_bits))
        fr = plotting.frontier_frame(cfg.word_bits, 12)
        pig = fr[fr["bound"].str.startswith("pigeonhole")][["bits", "pages"]]
        w.text(
            "frontier",
            wrap(
                "Pages from which no sub-ID linear in the slice's bits (sum_j bit_j "
                "* w_j, any weights) is safe (pigeonhole), per id bits per value, "
                f"{cfg.word_bits}-bit words. Not a bound for tables w[s] indexed by "
                "the whole slice value (see proof.txt)."
            )
            + "\n\n"
            + text_table(pig, headers=["B", "pages"]),
        )
        unsafe = df[df["verdict"] == "unsafe"]
        facts = {
            "verdicts": dict(zip(df["order"], df["verdict"], strict=False)),
            "unsafe_orders": list(unsafe["order"]),
        }
        if len(unsafe):
            o = int(unsafe["order"].max())
            row = unsafe[unsafe["order"] == o].iloc[0]
            facts.update(
                order=o, min_mappings=int(row["min_mappings"]), counterexample=row["counterexample"]
            )
            w.text("proof", proof_text(cfg, o))
            st = replay_steps(cfg, o, row["counterexample"])
            w.text(
                "counterexample_steps",
                text_table(
                    st[st["value"] == 0],
                    ["step", "mapcount", "hex", "base_digits", "equal"],
                    ["step", "n", "value 0 (hex)", "base P_g+1 digits", "=n*s"],
                ),
            )
        return facts

    def costs(w):
        df = cost.cost_table(cfg)
        w.csv("cost", df)
        w.text(
            "cost",
            wrap(
                f"{cfg.name}: bytes = the K rmap values only; atomics = RMW per "
                "(un)map: legacy 2 + total mapcount 1 + seqcount 2 + K (schemes.txt "
                "counts the scheme's own: values + mapcount + seqcount bytes, 1 + 2 "
                "+ K atomics); excl. = exclusive writer"
            )
            + "\n\n"
            + text_table(
                df,
                [
                    "order",
                    "values",
                    "bytes",
                    "per_page_mapcount_bytes",
                    "cache_lines",
                    "atomics_per_update",
                    "atomics_per_update_exclusive",
                ],
                ["order", "K", "bytes", "mapcount B", "lines", "atomics", "excl."],
            ),
        )
        w.chart("cost", plotting.cost_chart(df, configs=[cfg]))
        w.text(
            "cost_bars",
            text_bars(df["order"], df["bytes"], "bytes of rmap values per folio, by order"),
        )
        pub = cost.load_published()
        w.chart(
            "published",
            plotting.published_chart(pub["microbench"], ["fork", "munmap", "remap", "cow_reuse"]),
        )
        m = cost.atomics_model(3)
        w.csv("atomics_model", m)
        w.text(
            "atomics_model",
            text_table(
                m,
                [
                    "cpu",
                    "benchmark",
                    "mapcount_stage_percent",
                    "rmap_id_stage_percent",
                    "explained",
                ],
                ["cpu", "bench", "1 atomic %", "rmap-id %", "explained"],
                floatfmt=".2f",
            ),
        )
        t = cost.tradeoff(cfg, [o for o in (9, 13) if o in cfg.orders])
        w.csv("tradeoff", t)
        cheap = cost.cheapest_safe(cfg.id_bits, cfg.word_bits, cfg.max_order)
        w.csv("cheapest_safe", cheap)
        w.text(
            "cheapest_safe",
            wrap(
                "Fewest values K proven safe per order within the posted family: "
                f"equal slices of B id bits, base 2^order + 1 digits ({cfg.id_bits}-bit "
                f"ids, {cfg.word_bits}-bit words). Other weights or tables can need "
                "fewer (see proof.txt)."
            )
            + "\n\n"
            + text_table(
                cheap,
                ["order", "values", "bits", "method", "rule_values"],
                ["order", "K", "B", "proof", "rule K"],
            ),
        )
        by = t.set_index("order")
        return {
            "tradeoff": {
                int(o): {
                    "values": int(r["values"]),
                    "bytes": int(r["bytes"]),
                    "atomics": int(r["atomics_per_update"]),
                    "verdict": r["verdict"],
                }
                for o, r in by.iterrows()
            },
            "cheapest": {int(r["order"]): int(r["values"]) for _, r in cheap.iterrows()},
        }

    def schemes(w):
        orders = 9 if 9 in cfg.orders else cfg.max_order
        df = cmp.compare_all(config=cfg, order=orders, procs=8, seed=seed, folios=2 if quick else 4)
        w.csv("schemes", df)
        tot = (
            df.groupby("scheme", sort=False)[["checks", "false_exclusive", "false_shared"]]
            .sum()
            .reset_index()
        )
        info = df.drop_duplicates("scheme").set_index("scheme")
        tot["bytes"] = [info.loc[s, "bytes_per_folio"] for s in tot["scheme"]]
        tot["atomics"] = [info.loc[s, "atomics_per_update"] for s in tot["scheme"]]
        w.text(
            "schemes",
            wrap(
                f"Order {orders}, 8 processes, seed {seed}, summed over "
                f"{df['workload'].nunique()} workloads (not the counterexample). bytes "
                "= what the scheme keeps per folio, atomics = RMW per (un)map it "
                "does; rmap-id: K values + mapcount + seqcount bytes, 1 + 2 + K "
                "atomics (cost.txt counts the values' bytes only and adds the "
                "legacy path's 2 atomics)."
            )
            + "\n\n"
            + text_table(
                tot, headers=["scheme", "checks", "false excl.", "false shared", "bytes", "atomics"]
            ),
        )
        sw = cmp.sweep_procs(
            workloads=("zygote", "prefork", "random"),
            procs=(2, 4, 8) if quick else (2, 4, 8, 16, 32),
            order=6,
            seeds=range(2),
            config=cfg,
        )
        w.csv("schemes_sweep", sw)
        w.chart("false_shared", plotting.false_shared_chart(sw, order=6, config=cfg, seeds=2))
        piv = sw[sw["workload"] == "random"].pivot_table(
            index="procs", columns="scheme", values="false_shared"
        )
        w.text(
            "false_shared",
            text_lines(
                list(piv.index),
                {s: list(piv[s]) for s in piv.columns},
                "false shared (random workload, order 6) against processes",
            ),
        )
        ce = (
            None
            if unsafe_order is None
            else cmp.compare("counterexample", config=cfg, order=unsafe_order)
        )
        return {
            "schemes_scope": {
                "order": orders,
                "procs": 8,
                "seed": seed,
                "folios": 2 if quick else 4,
                "workloads": list(df["workload"].unique()),
            },
            "schemes": {
                r.scheme: (int(r.checks), int(r.false_exclusive), int(r.false_shared))
                for r in tot.itertuples()
            },
            "counterexample_false_exclusive": None
            if ce is None
            else dict(zip(ce["scheme"], ce["false_exclusive"], strict=False)),
        }

    def collisions(w):
        encs = ["posted", "raw-id", "hash64", "two-values", "posted-32bit", "bit-counters"]
        order = 9 if 9 in cfg.orders else cfg.max_order
        real = pd.DataFrame(
            [collide(e, order, 3, 20, trials, seed, "uniform", cfg, executor=None) for e in encs]
        )
        adv = (
            None
            if unsafe_order is None
            else pd.DataFrame(
                [
                    collide(e, unsafe_order, population="adversarial", config=cfg, executor=None)
                    for e in encs
                ]
            )
        )
        w.csv("collide", real)
        w.text(
            "collide",
            text_table(
                real,
                ["encoding", "values", "word_bits", "probability", "ci_high", "method"],
                ["encoding", "K", "W", "P", "95% high", "method"],
                floatfmt=".3g",
            ),
        )
        base = dict(
            order=order,
            mms=3,
            mappings=8,
            trials=trials,
            seed=seed,
            word_bits=16,
            id_bits=12,
            config=cfg,
        )
        rows = [
            sweep("mms", [2, 3, 4, 6, 8], base | {"encoding": e}, executor=None)
            for e in ["posted", "raw-id", "hash64", "two-values"]
        ]
        sw = pd.concat(rows, ignore_index=True)
        w.csv("collide_sweep", sw)
        w.chart("collide_mms", plotting.probability_chart(sw, "mms", config=cfg))
        w.text(
            "collide_mms",
            text_lines(
                [2, 3, 4, 6, 8],
                {e: list(sw[sw["encoding"] == e]["probability"]) for e in sw["encoding"].unique()},
                "P(false exclusive) against mms (16-bit words, 12-bit ids)",
                log=True,
            ),
        )
        facts = {
            "collide_scope": {"order": order, "trials": trials, "seed": seed},
            "collide": {
                r.encoding: (float(r.probability), float(r.ci_high), r.method)
                for r in real.itertuples()
            },
        }
        if adv is not None:
            w.csv("collide_adversarial", adv)
            facts["adversarial"] = {r.encoding: float(r.probability) for r in adv.itertuples()}
        return facts

    return [
        ("table", table),
        ("verify", verify),
        ("cost", costs),
        ("schemes", schemes),
        ("collisions", collisions),
    ]


def post_text(facts: dict, config, quick: bool = False) -> str:
    """The summary for the mailing list, from the facts the steps returned.

    ``config``: the resolved :class:`~rmaplab.config.RmapConfig` (or its
    name); ``quick``: the run used ``--quick`` budgets, which the post says
    first.
    """
    from .config import RmapConfig
    from .proof import LINEAR_SCOPE, quadratic_table
    from .verify import frontier_pages

    cfg = config if isinstance(config, RmapConfig) else get_config(config)
    f = facts
    cs = f.get("collide_scope", {})
    corder = cs.get("order", 9 if 9 in cfg.orders else cfg.max_order)
    g = cfg.group_for(corder)
    parts = [f"rmaplab report for {cfg.name}: the rmap-ID 'mapped shared' check", ""]
    if quick:
        parts += [
            f"QUICK RUN (--quick): {cs.get('trials', '?')} trials per Monte Carlo "
            f"point, {f.get('schemes_scope', {}).get('folios', '?')} folios per "
            "workload. Rerun `rmaplab report` without --quick before quoting.",
            "",
        ]
    parts += [
        f"Encoding: {cfg.name}, {cfg.id_bits}-bit mm ids, {cfg.word_bits}-bit rmap "
        "values; each value sums sub-IDs, the base P_g + 1 digits of one slice of "
        f"the id. At order {corder}: K = {g.values} values of B = {g.bits} id bits, "
        f"base {g.base}.",
        "",
    ]
    parts.append("1. Can the check be fooled?")
    if f.get("unsafe_orders"):
        ce = f["counterexample"]
        others = ", ".join(f"{m} ({c})" for m, c in ce["mappings"])
        parts.append(
            f"Yes, at orders {', '.join(map(str, f['unsafe_orders']))}. At order {f['order']}, "
            f"{f['min_mappings']} mappings (proven minimal) make __folio_large_mapped_shared "
            f"answer 'exclusive' for mm {ce['victim']} (1 page) while mms {others} map the "
            "folio. Every other order is proven safe. See proof.txt, "
            "counterexample_steps.txt, verify.txt."
        )
    else:
        parts.append("No: every order is proven safe (verify.txt).")
    trials = f" {cs['trials']} trials per Monte Carlo point;" if "trials" in cs else ""
    parts += [
        "",
        f"2. What a false 'exclusive' costs in probability at order {corder} (uniform "
        f"populations, 3 mms, 20 mappings;{trials} 0 by proof where proven):",
    ]
    for enc, (p, hi, method) in f["collide"].items():
        parts.append(f"  {enc}: {p:.3g} (95% high {hi:.3g}, {method})")
    if f.get("adversarial"):
        fooled = [e for e, p in f["adversarial"].items() if p > 0]
        parts.append(f"The counterexample and its neighbours fool: {', '.join(fooled) or 'none'}.")
    parts += [
        "",
        "3. What the values cost at order 9 (x86-64 2 MiB THP) and order 13 (arm64 512 MiB THP)"
        " (bytes: the K values only; atomic RMW per (un)map: legacy 2 + total mapcount 1 + "
        "seqcount 2 + K):",
    ]
    for o, t in f["tradeoff"].items():
        parts.append(
            f"  order {o}: {t['values']} values, {t['bytes']} bytes, {t['atomics']} atomic RMW "
            f"per update, {t['verdict']}"
        )
    if 9 in f["cheapest"]:
        k = f["cheapest"][9]
        text = (
            f"At order 9 the fewest values proven safe in base P_g + 1 digits is {k}"
            f" ({-(-cfg.id_bits // k)}-bit slices)."
        )
        if k >= 2:
            b = -(-cfg.id_bits // (k - 1))  # k - 1 values: one holds at least b id bits
            fp = frontier_pages(b, cfg.word_bits)
            if fp <= 512:
                text += (
                    f" It is the fewest for any {LINEAR_SCOPE}: with {k - 1} values one "
                    f"holds >= {b} id bits, and from {fp} pages on no such value is "
                    "safe (pigeonhole)."
                )
            tp, tk = quadratic_table(b, cfg.word_bits)
            if tp >= 512:
                text += (
                    " A table w[s] indexed by the whole slice value is not covered: "
                    f"w[s] = s + s^2 * 2^{tk} makes {k - 1} values of {b} bits safe up "
                    f"to {tp} pages (proof.txt)."
                )
        parts.append(text)
    ss = f.get("schemes_scope")
    if ss:
        scope = (
            f"{len(ss['workloads'])} kernel-like workloads ({', '.join(ss['workloads'])}) "
            f"at order {ss['order']}, {ss['procs']} processes, {ss['folios']} folios, "
            f"seed {ss['seed']}"
        )
    else:
        scope = "kernel-like workloads"
    parts += [
        "",
        f"4. The peer schemes on {scope}: checks, false exclusive and false shared, "
        "summed over those workloads; the counterexample workload is not in the sums:",
    ]
    for s, (c, fe, fs) in f["schemes"].items():
        parts.append(f"  {s}: {c} checks, {fe} false exclusive, {fs} false shared")
    if f.get("counterexample_false_exclusive"):
        bad = [s for s, v in f["counterexample_false_exclusive"].items() if v]
        parts.append(
            f"On the counterexample workload (order {f.get('order', '?')}) only "
            f"{', '.join(bad)} answers wrongly."
        )
    cmd = "rmaplab report --quick" if quick else "rmaplab report"
    parts += ["", f"Generated by `{cmd}`; every number above is recomputed on each run."]
    return check_width(wrap("\n".join(parts)), MAIL_WIDTH)


def build_report(
    out, config="wip-v1", quick: bool = False, seed: int = 0, progress: bool = True
) -> dict:
    """Write the report folder; returns the facts stated in ``post.txt``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    w = _Writer(out)
    steps = _steps(quick, seed, config)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="report", unit="part")
    facts: dict = {}
    for _, fn in steps:
        facts.update(fn(w))
    w.text("post", post_text(facts, get_config(config), quick=quick))
    (out / "facts.json").write_text(json.dumps(facts, indent=1, sort_keys=True, default=str) + "\n")
    return facts
