"""``rmaplab report``: every figure and table the notebooks show, from scratch.

Writes CSV (data), TXT (plain text, at most 72 columns, ready for mail), PNG
and SVG (vl-convert, no browser) into one folder, plus ``post.txt``: a
plain-text summary a developer could send to linux-mm. Deterministic for a
seed: the same bytes on a rerun. Nothing here is measured on the machine
(``rmaplab bench-atomics`` is) but ``design_cost``'s ns, so reruns agree
anywhere; ``litmus.txt`` gains herd7's column only where herd7 is found.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

from .config import DEFAULT_CONFIG, MAX_ORDER, RmapConfig, _check_int, get_config
from .encodings import recommended
from .export import (
    MANIFEST_FILE,
    MANIFEST_KEY,
    ReportFolder,
    check_report_out,
    check_width,
    save_chart,
    sha256_file,
)
from .mailtext import MAIL_WIDTH, Pre, mail
from .report_post import (
    MEASURED_FACT,
    MEASURED_PREFIX,
    RULE_EXAMPLES,
    _leo_text,
    _race_text,
    _rule_text,
    comparison_615,
    post_blocks,
    post_text,
)
from .views import (
    DESIGN_POST_ORDERS,
    DESIGN_SCOPE,
    Params,
    counterexample_replay,
    orders_label,
    scheme_totals,
    view,
)

__all__ = [
    "MEASURED_FACT",
    "MEASURED_PREFIX",
    "build_report",
    "comparison_615",
    "post_blocks",
    "post_text",
    "provenance",
]


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
    ("versus 6.15", ["versus_615", "versus_615_sweep", "race_615"]),
    ("concurrency", ["litmus"]),
    ("one value", ["one_value"]),
    ("id space", ["id_space"]),
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
    if part == "versus 6.15":
        from .report_615 import race_615_facts, versus_facts

        return {
            "versus_615": versus_facts(frames["versus_615"], frames["versus_615_sweep"]),
            "race_615": race_615_facts(frames["race_615"]),
        }
    if part == "concurrency":
        from .report_615 import litmus_facts

        return {"litmus": litmus_facts(frames["litmus"])}
    if part == "one value":
        return {"one_value": _one_value_facts(frames["one_value"])}
    return {}


def _one_value_facts(df: pd.DataFrame, word_bits: int = 64, order: int = 9) -> dict:
    """One rmap value: the best proven ids at ``order`` (shipped table), and
    the largest order the widest construction reaches for 24-bit ids."""
    from .onevalue.summary import lookup

    r = lookup(word_bits, order) or {}
    wide = df[(df["word_bits"] == word_bits) & (df["proven_id_bits"] >= 24)]
    return {
        "word_bits": word_bits,
        "order": order,
        "construction": r.get("best_construction"),
        "proven_id_bits": r.get("proven_id_bits"),
        "upper_bound_id_bits": r.get("upper_bound_id_bits"),
        "upper_bound_kind": r.get("upper_bound_kind"),
        "open": r.get("open"),
        "largest_order_24bit": int(wide["order"].max()) if len(wide) else None,
    }


# -- facts the post states beyond the views ------------------------------------


def _git(*args: str) -> str | None:
    import subprocess
    from importlib.resources import files

    # the installed package's own folder: a checkout's when run from one
    pkg = Path(str(files("rmaplab")))
    try:
        r = subprocess.run(
            ["git", "-C", str(pkg), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def provenance(command: str | None = None) -> dict:
    """rmaplab's version, the git commit when the package runs from a
    checkout (None otherwise; never fails), and the command line."""
    from . import __version__

    commit = None
    dirty = None
    # the package file must be tracked here: a venv inside some other
    # repository is not a checkout of rmaplab
    if _git("ls-files", "--error-unmatch", "report.py") is not None:
        commit = _git("rev-parse", "--verify", "HEAD")
        status = _git("status", "--porcelain", "--untracked-files=no")
        dirty = None if commit is None or status is None else bool(status)
    return {
        "rmaplab_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "command": command,
    }


def _command(out, cfg: RmapConfig, quick: bool, seed: int, force: bool) -> str:
    """The command line equivalent to a library call (the CLI passes its own)."""
    argv = ["rmaplab", "report", "--out", str(out)]
    if cfg.name != DEFAULT_CONFIG.name:
        argv += ["--config", cfg.name]
    argv += ["--quick"] if quick else []
    argv += ["--seed", str(seed)] if seed else []
    argv += ["--force"] if force else []
    return shlex.join(argv)


#: id widths the largest-exact-order table covers, and the word widths
LEO_ID_BITS = range(8, 33)
LEO_WORD_BITS = (64, 32)


def _leo_facts() -> dict:
    return {
        "design": "moments: sum of ids and sum of squared ids, 2 words",
        "rule": "W + 2 - 2b",
        "max_order": MAX_ORDER,
        "by_id_bits": {
            str(b): {str(w): recommended.largest_exact_order(b, w) for w in LEO_WORD_BITS}
            for b in LEO_ID_BITS
        },
        "scope": (
            f"proven exact by the variance bound; the rule W + 2 - 2b holds where it "
            f"is in 2..{MAX_ORDER}; above {MAX_ORDER} the table stops at {MAX_ORDER}; "
            "where the rule is <= 0, order 1 is exact (one other mapping cannot "
            "balance the first moment)"
        ),
    }


def _rule_evidence() -> list[dict]:
    from .certify import verify_encoding

    rows = []
    for b, w in RULE_EXAMPLES:
        enc = recommended.encoding(b, w)
        r = recommended.rule(b, w)
        at, above = verify_encoding(enc, r), verify_encoding(enc, r + 1)
        rows.append(
            {
                "id_bits": b,
                "word_bits": w,
                "rule": r,
                "verdict_at_rule": at.verdict,
                "method_at_rule": at.method,
                "verdict_above": above.verdict,
                "min_mappings_above": above.min_mappings,
                "proven_minimal_above": above.proven_minimal,
            }
        )
    return rows


#: the lab's race scenario that runs the moments encoding with two writers
RACE_SCENARIO = "mom-2mm-2w"


def _race_facts() -> dict:
    from .race import explore, get_scenario

    sc = get_scenario(RACE_SCENARIO)
    out: dict = {"scenario": RACE_SCENARIO, "order": sc.order}
    for protocol in ("none", "seqcount"):
        r = explore(RACE_SCENARIO, protocol)
        out[protocol] = {
            "states": r.states,
            "complete": r.complete,
            "false_exclusive": r.false_exclusive,
            "false_shared": r.false_shared,
        }
    return out


# -- the post -------------------------------------------------------------------


def build_report(
    out: str | Path,
    config: RmapConfig | str = DEFAULT_CONFIG,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
    force: bool = False,
    command: str | None = None,
) -> dict:
    """Write the report folder; returns the facts stated in ``post.txt``.

    An entry point: ``config`` may be a name; it is resolved here, once.
    ``out`` must be new, empty or a report this function wrote (see
    :func:`export.check_report_out`; ``force`` replaces any folder whole);
    that is checked before any work. The report is written beside ``out``
    and renamed into place at the end: a killed run leaves the previous
    report, or nothing. ``command``: the command line for the provenance
    footer (default: the equivalent ``rmaplab report`` command).
    """
    cfg = get_config(config)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    path = check_report_out(out, force=bool(force))
    if command is None:
        command = _command(out, cfg, bool(quick), seed, bool(force))
    folder = ReportFolder(path)
    try:
        facts = _build(folder.tmp, cfg, bool(quick), seed, progress, command)
        folder.commit()
    except BaseException:
        folder.abandon()
        raise
    return facts


def _build(
    out: Path, cfg: RmapConfig, quick: bool, seed: int, progress: bool, command: str
) -> dict:
    w = _Writer(out)
    params = Params(cfg, quick, seed)
    steps = [(part, name) for part, names in PARTS for name in names]
    extra = ["moments rule", "race", "collisions by allocator"]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps) + len(extra), desc="report", unit="view")
    facts: dict = {}
    try:
        frames: dict[str, pd.DataFrame] = {}
        for i, (part, name) in enumerate(steps):
            if bar is not None:
                bar.set_postfix_str(f"{part}/{name}")
            frames[name] = _write_view(w, name, params)
            if bar is not None:
                bar.update()
            if i + 1 == len(steps) or steps[i + 1][0] != part:
                facts.update(_facts(part, {n: frames[n] for n in dict(PARTS)[part]}, params))
        if bar is not None:
            bar.set_postfix_str("moments rule")
        facts["largest_exact_order"] = _leo_facts()
        facts["rule_evidence"] = _rule_evidence()
        b, W = cfg.id_bits, cfg.word_bits
        w.text("proof_moments", recommended.proof_text(b, W, params.schemes_order))
        w.text(
            "moments_rule",
            mail(
                [
                    Pre(_leo_text(facts["largest_exact_order"])),
                    "",
                    "The verifier (rmaplab verify --encoding moments) at the rule "
                    "and one order above it:",
                    _rule_text(facts["rule_evidence"]),
                    "Replay (24/64, order 19):",
                    Pre(
                        "  rmaplab verify --encoding moments --id-bits 24 \\\n"
                        "      --word-bits 64 --order 19"
                    ),
                ]
            ),
        )
        if bar is not None:
            bar.update()
            bar.set_postfix_str("race")
        facts["race"] = _race_facts()
        w.text("race_moments", _race_text(facts["race"]))
        if bar is not None:
            bar.update()
            bar.set_postfix_str("collisions by allocator")
        from .report_ids import ids_facts, ids_text

        facts["ids_collide"] = ids_facts(cfg, params.schemes_order, quick, seed)
        w.text("collide_ids", ids_text(facts["ids_collide"]))
        if bar is not None:
            bar.update()
    finally:
        if bar is not None:
            bar.close()
    if facts.get("unsafe_orders"):
        from .config import config_table

        t = config_table(cfg).set_index("order")
        facts["v1_bits"] = int(cfg.word_bits - t.loc[facts["order"], "headroom_bits"])
        conf = "" if cfg.name == DEFAULT_CONFIG.name else f" --config {cfg.name}"
        facts["replay_command"] = f"rmaplab verify{conf} --order {facts['order']} --steps"
    prov = provenance(command)
    facts.update(prov)
    w.text("post", post_text(facts, cfg, quick=quick))
    facts[MANIFEST_KEY] = {n: sha256_file(out / n) for n in sorted(w.files)}
    (out / MANIFEST_FILE).write_text(
        json.dumps(facts, indent=1, sort_keys=True, default=str) + "\n"
    )
    return facts
