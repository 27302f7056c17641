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

from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, _check_int, get_config
from .export import MAIL_WIDTH, check_width, save_chart, wrap
from .views import (
    BENCH_ENCODINGS_CMD,
    DESIGN_POST_ORDERS,
    DESIGN_SCOPE,
    Params,
    counterexample_replay,
    orders_label,
    scheme_totals,
    view,
)

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


#: The report's parts, in order: (progress label, views written). Each view's
#: CSV, text and chart go to files named after it (see :mod:`rmaplab.views`).
PARTS = [
    ("design", ["design", "design_cost", "frontier_tables"]),
    ("table", ["table"]),
    ("verify", ["verify", "frontier", "proof", "counterexample_steps"]),
    (
        "cost",
        [
            "cost",
            "cost_bars",
            "published",
            "atomics_model",
            "tradeoff",
            "cheapest_safe",
        ],
    ),
    ("schemes", ["schemes", "false_shared"]),
    ("collisions", ["collide", "collide_adversarial", "collide_mms"]),
]


def _write_view(w: _Writer, name: str, params: Params) -> pd.DataFrame:
    """Compute one view and write its CSV, text and chart; returns its frame."""
    v = view(name)
    df = v.build(params)
    if v.csv_name is not None and len(df.columns):
        w.csv(v.csv_name, v.to_csv(df))
    text = v.render_text(df, params)
    if text is not None:
        w.text(name, text)
    chart = v.render_chart(df, params)
    if chart is not None:
        w.chart(name, chart)
    return df


def _verify_facts(df: pd.DataFrame) -> dict:
    unsafe = df[df["verdict"] == "unsafe"]
    facts: dict = {
        "verdicts": dict(zip(df["order"], df["verdict"], strict=False)),
        "unsafe_orders": list(unsafe["order"]),
    }
    if len(unsafe):
        o = int(unsafe["order"].max())
        row = unsafe[unsafe["order"] == o].iloc[0]
        facts.update(
            order=o, min_mappings=int(row["min_mappings"]), counterexample=row["counterexample"]
        )
    return facts


def _design_facts(df: pd.DataFrame, params: Params) -> dict:
    """The cheapest design at the orders post.txt names, per id/word width."""
    best = df[df["best"]]
    out: dict = {}
    for (i, w), g in df.groupby(["id_bits", "word_bits"], sort=False):
        per: dict = {}
        for o in DESIGN_POST_ORDERS:
            b = best[(best["id_bits"] == i) & (best["word_bits"] == w) & (best["order"] == o)]
            if b.empty:
                tried = g[g["order"] == o]
                per[o] = None if tried.empty else {"values": None}
                continue
            r = b.iloc[0]
            per[o] = {
                "values": int(r["values"]),
                "family": r["encoding"],
                "detail": r["detail"],
                "bytes": int(r["bytes"]),
                "atomics": int(r["atomics_per_update"]),
                "table_lookups": int(r["table_lookups"]),
                "proof_lines": int(r["proof_lines"]),
                "method": r["method"],
            }
        out[f"{i}/{w}"] = per
    return {
        "design": out,
        "design_scope": {
            "families": DESIGN_SCOPE,
            "orders": orders_label(df["order"]),
        },
    }


#: The one fact measured on the machine that runs the report (ns per update):
#: it changes run to run, so it stays out of every other fact and line.
MEASURED_FACT = "design_measured"
#: post.txt lines that carry it start with this (the determinism test drops them).
MEASURED_PREFIX = "  measured here"


def _measured_facts(df: pd.DataFrame) -> dict:
    """ns per update (1 thread) of each width's cheapest design at each order."""
    out: dict = {}
    posted: dict = {}
    for r in df[df["threads"] == 1].itertuples():
        key = f"{r.id_bits}/{r.word_bits} order {r.order}"
        out.setdefault(key, {})[r.addends] = (round(float(r.ns_per_update), 1), r.bench_case)
        posted[key] = (round(float(r.ns_per_update) / float(r.ratio_vs_posted), 1), "digits K=3")
    for key, p in posted.items():
        out[key]["posted"] = p
    return out


def _cost_facts(t: pd.DataFrame, cheap: pd.DataFrame) -> dict:
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


def _schemes_facts(df: pd.DataFrame, params: Params) -> dict:
    tot = scheme_totals(df)
    ce = counterexample_replay(params)
    return {
        "schemes_scope": {
            "order": params.schemes_order,
            "procs": 8,
            "seed": params.seed,
            "folios": 2 if params.quick else 4,
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


def _collision_facts(real: pd.DataFrame, adv: pd.DataFrame, params: Params) -> dict:
    facts: dict = {
        "collide_scope": {
            "order": params.schemes_order,
            "trials": params.trials,
            "seed": params.seed,
        },
        "collide": {
            r.encoding: (float(r.probability), float(r.ci_high), r.method)
            for r in real.itertuples()
        },
    }
    if len(adv.columns):
        facts["adversarial"] = {r.encoding: float(r.probability) for r in adv.itertuples()}
    return facts


def _facts(part: str, frames: dict[str, pd.DataFrame], params: Params) -> dict:
    """What ``post.txt`` states about one part, read from the part's frames."""
    if part == "design":
        return {
            **_design_facts(frames["design"], params),
            MEASURED_FACT: _measured_facts(frames["design_cost"]),
        }
    if part == "verify":
        return _verify_facts(frames["verify"])
    if part == "cost":
        return _cost_facts(frames["tradeoff"], frames["cheapest_safe"])
    if part == "schemes":
        return _schemes_facts(frames["schemes"], params)
    if part == "collisions":
        return _collision_facts(frames["collide"], frames["collide_adversarial"], params)
    return {}


def _design_post(f: dict) -> list[str]:
    """Section 1: the fewest values proven safe, scoped to the families searched."""
    if "design" not in f:
        return []
    sc = f["design_scope"]
    lines = [
        "1. Fewest rmap values proven safe, per id/word width, among the "
        f"families searched: {sc['families']} (rmaplab design, orders "
        f"{sc['orders']}; design.txt). Bytes: the K values only; atomics = RMW "
        "per (un)map in the model (legacy 2 + mapcount 1 + seqcount 2 + K). ns "
        "per update: the C update loop (cc -O2) measured on the machine that ran "
        "this report, 1 thread: addends loaded per mm, formed per update, and "
        "the posted K = 3 path (design_cost.txt says what each row measures); "
        "contention with 2 threads:",
        BENCH_ENCODINGS_CMD,
    ]
    measured = f.get(MEASURED_FACT, {})
    one_open = []
    for widths, per in f["design"].items():
        i, w = widths.split("/")
        for o, r in per.items():
            head = f"  {i}-bit ids, {w}-bit words, order {o}: "
            if r is None:
                continue
            if r["values"] is None:
                lines.append(head + "none proven safe by the families searched")
                continue
            lines.append(
                head + f"{r['values']} value{'s' if r['values'] > 1 else ''} "
                f"({r['detail']}), {r['bytes']} bytes, {r['atomics']} atomic RMW "
                f"per update (model), proof {r['proof_lines']} lines"
            )
            m = measured.get(f"{i}/{w} order {o}")
            if m:
                # one line under 72 columns, so no wrapped remainder lacks the prefix
                lines.append(
                    MEASURED_PREFIX
                    + ", ns/update: "
                    + ", ".join(f"{ns:.1f} {a}" for a, (ns, _) in m.items())
                )
            if r["values"] > 1:
                one_open.append(f"{i}/{w} order {o}")
    if one_open:
        lines.append(
            "No family searched gives 1 value proven safe at "
            + ", ".join(one_open)
            + "; that is a statement about these families, not a proof that no "
            "encoding with 1 value is safe."
        )
    return [*lines, ""]


def post_text(facts: dict, config: RmapConfig, quick: bool = False) -> str:
    """The summary for the mailing list, from the facts the steps returned.

    ``config``: the resolved configuration; ``quick``: the run used
    ``--quick`` budgets, which the post says first.
    """
    from .proof import LINEAR_SCOPE, quadratic_table
    from .verify import frontier_pages, split_counterexample

    cfg = config
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
    parts += _design_post(f)
    parts += [
        f"Encoding: {cfg.name}, {cfg.id_bits}-bit mm ids, {cfg.word_bits}-bit rmap "
        "values; each value sums sub-IDs, the base P_g + 1 digits of one slice of "
        f"the id. At order {corder}: K = {g.nr_values} values of B = {g.bits} id bits, "
        f"base {g.base}.",
        "",
    ]
    parts.append("2. Can the posted encoding's check be fooled?")
    if f.get("unsafe_orders"):
        victim, own, rest = split_counterexample(f["counterexample"])
        others = ", ".join(f"{m} ({c})" for m, c in rest)
        parts.append(
            f"Yes, at orders {', '.join(map(str, f['unsafe_orders']))}. At order {f['order']}, "
            f"{f['min_mappings']} mappings (proven minimal) make __folio_large_mapped_shared "
            f"answer 'exclusive' for mm {victim} ({own} page{'' if own == 1 else 's'}) "
            f"while mms {others} map the "
            "folio. Every other order is proven safe. See proof.txt, "
            "counterexample_steps.txt, verify.txt."
        )
    else:
        parts.append("No: every order is proven safe (verify.txt).")
    trials = f" {cs['trials']} trials per Monte Carlo point;" if "trials" in cs else ""
    parts += [
        "",
        f"3. What a false 'exclusive' costs in probability at order {corder} (uniform "
        f"populations, 3 mms, 20 mappings;{trials} 0 by proof where proven):",
    ]
    for enc, (p, hi, method) in f["collide"].items():
        parts.append(f"  {enc}: {p:.3g} (95% high {hi:.3g}, {method})")
    if f.get("adversarial"):
        fooled = [e for e, p in f["adversarial"].items() if p > 0]
        parts.append(f"The counterexample and its neighbours fool: {', '.join(fooled) or 'none'}.")
    parts += [
        "",
        "4. What the values cost at order 9 (x86-64 2 MiB THP) and order 13 (arm64 512 MiB THP)"
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
        f"5. The peer schemes on {scope}: checks, false exclusive and false shared, "
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


def _check_out(out) -> Path:
    """The report folder, created (or refused) before any work or file."""
    text = str(out)
    if not text.strip():
        raise ConfigError("--out='' is empty: allowed a folder path (created if missing)")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out={text} is an existing file: allowed a folder (new or existing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".rmaplab-write-probe"
        probe.touch()
        probe.unlink()
    except OSError as e:
        raise ConfigError(
            f"--out={text}: cannot create or write this folder ({e.strerror}): "
            "allowed a folder you can write"
        ) from None
    return path


def build_report(
    out: str | Path,
    config: RmapConfig | str = DEFAULT_CONFIG,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Write the report folder; returns the facts stated in ``post.txt``.

    An entry point: ``config`` may be a name; it is resolved here, once.
    """
    cfg = get_config(config)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    out = _check_out(out)
    w = _Writer(out)
    params = Params(cfg, bool(quick), seed)
    parts = PARTS
    if progress:
        from tqdm.auto import tqdm

        parts = tqdm(parts, desc="report", unit="part")
    facts: dict = {}
    for part, names in parts:
        frames = {name: _write_view(w, name, params) for name in names}
        facts.update(_facts(part, frames, params))
    w.text("post", post_text(facts, cfg, quick=params.quick))
    (out / "facts.json").write_text(json.dumps(facts, indent=1, sort_keys=True, default=str) + "\n")
    return facts
