"""``rmaplab report``: every figure and table the notebooks show, from scratch.

Writes CSV (data), TXT (plain text, at most 72 columns, ready for mail), PNG
and SVG (vl-convert, no browser) into one folder, plus ``post.txt``: a
plain-text summary a developer could send to linux-mm. Deterministic for a
seed: the same bytes on a rerun. Nothing here is measured on the machine
(``rmaplab bench-atomics`` is), so reruns agree anywhere.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

from .config import DEFAULT_CONFIG, MAX_ORDER, RmapConfig, _check_int, get_config
from .export import (
    MANIFEST_FILE,
    MANIFEST_KEY,
    ReportFolder,
    check_report_out,
    check_width,
    save_chart,
    sha256_file,
)
from .mailtext import MAIL_WIDTH, Pre, mail, moments_rule, nb, proof_moments_text
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

__all__ = [
    "build_report",
    "comparison_615",
    "largest_exact_order",
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


#: how the post names collide's encodings where the shorthand would mislead:
#: the headline design has two values too, and it is safe
_COLLIDE_NAMES = {
    "two-values": "posted digits with K = 2 (unsafe)",
    "digits-k2": "posted digits with K = 2 (unsafe)",
}


def _ratio(x: float) -> str:
    """A measured ratio, rounded as a loaded VM allows: two digits."""
    return f"{x:.2g}x"


def _design_post(f: dict) -> list[str | Pre]:
    """Attachment notes: the fewest values proven safe, scoped to the
    families searched, and the measured cost as ratios."""
    if "design" not in f:
        return []
    sc = f["design_scope"]
    blocks: list[str | Pre] = [
        "Fewest rmap values proven safe, per id/word width, among the "
        f"families searched: {sc['families']} (rmaplab design, orders "
        f"{sc['orders']}; design.txt). Bytes: the K values only; atomics = RMW "
        "per (un)map in the model (legacy 2 + mapcount 1 + seqcount 2 + K). "
        "Measured: the C update loop (cc -O2) in user space on the machine "
        "that ran this report, 1 thread, as a ratio to the posted K = 3 path "
        "(per-mm: addends loaded from the mm; per-update: formed from the id; "
        "design_cost.txt says what each row measures). Contention with 2 "
        "threads:",
        Pre(BENCH_ENCODINGS_CMD),
    ]
    measured = f.get(MEASURED_FACT, {})
    one_open = []
    for widths, per in f["design"].items():
        i, w = widths.split("/")
        for o, r in per.items():
            head = f"- {i}-bit ids, {w}-bit words, order {o}: "
            if r is None:
                continue
            if r["values"] is None:
                blocks.append(head + "none proven safe by the families searched")
                continue
            blocks.append(
                head + f"{r['values']} value{'s' if r['values'] > 1 else ''} "
                f"({r['detail']}), {r['bytes']} bytes, {r['atomics']} atomic RMW "
                f"per update (model), proof {r['proof_lines']} lines"
            )
            m = dict(measured.get(f"{i}/{w} order {o}") or {})
            posted = m.pop("posted", None)
            if m and posted and posted[0] > 0:
                # one verbatim line: the determinism test drops it by its prefix
                blocks.append(
                    Pre(
                        MEASURED_PREFIX
                        + ": "
                        + ", ".join(f"{a} {_ratio(ns / posted[0])}" for a, (ns, _) in m.items())
                        + " of posted"
                    )
                )
            if r["values"] > 1:
                one_open.append(f"{i}/{w} order {o}")
    if one_open:
        blocks.append(
            "No family searched gives 1 value proven safe at "
            + ", ".join(one_open)
            + "; that is a statement about these families, not a proof that no "
            "encoding with 1 value is safe."
        )
    return blocks


# -- facts the post states beyond the views ------------------------------------


def _git(*args: str) -> str | None:
    import subprocess

    pkg = Path(__file__).resolve().parent
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


def largest_exact_order(id_bits: int, word_bits: int) -> int:
    """Largest folio order (<= MAX_ORDER) at which the moments design (sum of
    ids, sum of squared ids; ids in [1, 2^b - 1]) is proven exact by the
    verifier's variance certificate (:func:`verify_encoding.moments_bound`):
    the first moment cannot wrap and fewer than its bound of other mappings
    fit. Equals W + 2 - 2b where that is in 2..MAX_ORDER (see
    :func:`mailtext.proof_moments_text`); 1 below (one other mapping cannot
    balance the first moment)."""
    from .verify_encoding import moments_bound

    b = moments_bound(1, (1 << id_bits) - 1, word_bits)
    best = 0
    for o in range(1, MAX_ORDER + 1):
        others = (1 << o) - 1
        if others >= b["lower_bound_others"] or others * b["span"] >= b["word_limit"]:
            break
        best = o
    return best


def _leo_facts() -> dict:
    return {
        "design": "moments: sum of ids and sum of squared ids, 2 words",
        "rule": "W + 2 - 2b",
        "max_order": MAX_ORDER,
        "by_id_bits": {
            str(b): {str(w): largest_exact_order(b, w) for w in LEO_WORD_BITS} for b in LEO_ID_BITS
        },
        "scope": (
            f"proven exact by the variance bound; the rule W + 2 - 2b holds where it "
            f"is in 2..{MAX_ORDER}; above {MAX_ORDER} the table stops at {MAX_ORDER}; "
            "where the rule is <= 0, order 1 is exact (one other mapping cannot "
            "balance the first moment)"
        ),
    }


#: widths the post names, each checked by the verifier at the rule and one above
RULE_EXAMPLES = ((24, 64), (31, 64), (16, 32))


def _rule_evidence() -> list[dict]:
    from .encoding import moments
    from .verify_encoding import verify_encoding

    rows = []
    for b, w in RULE_EXAMPLES:
        enc = moments(b, w)
        r = moments_rule(b, w)
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


def comparison_615(facts: dict) -> list[str]:
    """Paragraphs comparing with Linux 6.15's MM-owner tracking
    (``folio_maybe_mapped_shared``), built only from ``facts`` the report
    computed. Empty until the report has a 6.15 part: the post then says
    the comparison is not in it, and invents nothing."""
    return []


# -- the post -------------------------------------------------------------------


def _leo_text(leo: dict) -> str:
    """The largest-exact-order table as text, two columns per row pair."""
    rows = leo["by_id_bits"]
    ws = [str(w) for w in LEO_WORD_BITS]
    head = "b  " + "  ".join(f"W={w}" for w in ws) + "  rule(W=64,32)"
    lines = [
        "Largest folio order proven exact (variance bound) for the moments",
        "design (sum of ids, sum of squared ids) by id bits b and word bits",
        f"W: the rule W + 2 - 2b, capped at MAX_ORDER = {leo['max_order']}; 1 where",
        "the rule is <= 0 (one other mapping cannot balance sum c*d). Not",
        "shown: whether the next order is fooled (below: three widths).",
        "",
        head,
        "-" * len(head),
    ]
    for b, per in rows.items():
        rule = ",".join(str(moments_rule(int(b), int(w))) for w in ws)
        lines.append(f"{int(b):<2} " + "  ".join(f"{per[w]:>4}" for w in ws) + f"  {rule}")
    return "\n".join(lines)


def _rule_text(ev: list[dict]) -> str:
    lines = []
    for r in ev:
        above = r["verdict_above"]
        if r["min_mappings_above"]:
            above += f", {r['min_mappings_above']} mappings"
            above += " (proven minimal)" if r["proven_minimal_above"] else ""
        lines.append(
            f"- {r['id_bits']}/{r['word_bits']}: order {r['rule']} {r['verdict_at_rule']} "
            f"({r['method_at_rule']}); order {r['rule'] + 1} {above}"
        )
    return "\n".join(lines)


def _race_text(race: dict) -> str:
    lines = [
        f"Every interleaving of the race scenario {race['scenario']} (order "
        f"{race['order']}, moments encoding, two writers, one reader):"
    ]
    for p in ("none", "seqcount"):
        r = race[p]
        lines.append(
            f"  protocol {p}: {r['states']} states"
            f"{'' if r['complete'] else ' (INCOMPLETE)'}, "
            f"{r['false_exclusive']} false exclusive, {r['false_shared']} false shared"
        )
    lines.append(f"Replay: rmaplab race --scenario {race['scenario']} --protocol none")
    return mail(lines)


#: one line, at most 72 columns
SUBJECT = "Subject: [RFC] mm/rmap: exact mapped-shared check from two power sums"


def _summary(f: dict, cfg: RmapConfig, quick: bool) -> list[str | Pre]:
    b, W = cfg.id_bits, cfg.word_bits
    r = moments_rule(b, W)
    out: list[str | Pre] = []
    if quick:
        cs = f.get("collide_scope", {})
        out.append(
            f"QUICK RUN (--quick): {cs.get('trials', '?')} trials per Monte Carlo "
            f"point, {f.get('schemes_scope', {}).get('folios', '?')} folios per "
            "workload. Rerun `rmaplab report` without --quick before quoting.\n"
        )
    unsafe = f.get("unsafe_orders") or []
    claim = (
        f"The {cfg.name} rmap-ID check (__folio_large_mapped_shared) "
        + (
            f"can be fooled at orders {', '.join(map(str, unsafe))}. "
            if unsafe
            else "is proven exact at every order. "
        )
        + "Two words per folio, S1 = sum c*x and S2 = sum c*x^2 (mod 2^W) over "
        "the mms x that map it (c = mappings of x), make it exact for "
        f"{b}-bit ids in {W}-bit words through order {r}: mm X maps the folio "
        f"exclusively iff n <= P, {nb('S1 == n*X')} and {nb('S2 == n*X^2')}. This is "
        "the 1-sparse test of streaming algorithms (count, sum, sum of squares)."
    )
    proof = (
        "Proof [1]. Assume: ids are unique among live mms, with lo = 1 <= x <= "
        "hi = 2^b - 1; every count c >= 0 in a consistent snapshot, which the "
        "seqcount provides; a PMD mapping counts as one mapping, so n <= P; X "
        "maps a page. With d = x - X over the N <= P - 1 other mappings, the "
        f"check passes iff {nb('sum c*d')} and {nb('sum c*d^2')} are {nb('0 mod 2^W')}. "
        f"{nb('N*(hi - lo) < 2^W')} makes {nb('sum c*d = 0')} exactly; then "
        f"{nb('(hi - x)(x - lo) >= 0')} gives "
        f"{nb('sum c*d^2 <= N*(hi - lo)^2/4 < 2^W')}, so {nb('sum c*d^2 = 0')} and "
        "every d is 0."
    )
    rule = (
        "Rule [2]: b-bit ids in W-bit words are exact through order "
        f"W + 2 - 2b (P <= 2^(W+2-2b) keeps {nb('N*(hi - lo)^2/4')} below 2^W): "
    )
    ev = {(e["id_bits"], e["word_bits"]): e for e in f.get("rule_evidence", [])}
    named = []
    for bb, ww in RULE_EXAMPLES:
        e = ev.get((bb, ww))
        if e is None:
            continue
        tight = (
            f", {e['rule'] + 1} fooled"
            if e["verdict_above"] == "unsafe" and e["verdict_at_rule"] == "safe"
            else ""
        )
        named.append(nb(f"{bb}/{ww} -> {e['rule']}{tight}"))
    rule += "; ".join(named) + " (rmaplab verify --encoding moments)."
    out += [claim, "", proof, "", rule, ""]
    if unsafe:
        from .verify import split_counterexample

        victim, own, rest = split_counterexample(f["counterexample"])
        others = ", ".join(nb(f"{m} ({c})") for m, c in rest)
        bits = f.get("v1_bits")
        cause = (
            f"P_g times the largest sub-ID needs {bits} bits, so the sums wrap. "
            if bits and bits > W
            else ""
        )
        out += [
            f"The bug in {cfg.name} [3]: at orders {unsafe[0]}-{unsafe[-1]} "
            f"{cause}At order {f['order']}, {f['min_mappings']} mappings (proven "
            f"minimal) make the check answer 'exclusive' for mm {victim} ({own} "
            f"page{'' if own == 1 else 's'}) while mms {others} map the folio. "
            "Replay:",
            Pre(f"  {f['replay_command']}"),
            "",
        ]
    race = f.get("race")
    if race:
        n, s = race["none"], race["seqcount"]
        out += [
            f"Concurrency [4]: moments need the seqcount too. In the lab's "
            f"{race['scenario']} scenario (order {race['order']}, two writers, one "
            f"reader) {n['false_exclusive']} of {n['states']} reachable states "
            "answer a false 'exclusive' without it (the reader sees S1 and S2 "
            f"from different moments); with it, {s['false_exclusive']} of "
            f"{s['states']}"
            + ("." if n["complete"] and s["complete"] else " (state budget hit).")
            + " Replay:",
            Pre(f"  rmaplab race --scenario {race['scenario']} --protocol none"),
            "",
        ]
    cmp615 = comparison_615(f)
    out += (
        [*cmp615]
        if cmp615
        else [
            "Versus 6.15's MM-owner tracking (folio_maybe_mapped_shared): not "
            "compared in this report yet.",
            "",
        ]
    )
    out += _cost_summary(f, cfg)
    return out


def _cost_summary(f: dict, cfg: RmapConfig) -> list[str | Pre]:
    key = f"{cfg.id_bits}/{cfg.word_bits}"
    per = f.get("design", {}).get(key, {})
    rows = []
    for o, r in per.items():
        if r is None or r.get("values") is None:
            continue
        t = f.get("tradeoff", {}).get(int(o)) or f.get("tradeoff", {}).get(str(o))
        posted = f" (posted: {t['values']} values, {t['bytes']} bytes)" if t else ""
        rows.append(
            f"order {o}: {r['values']} values, {r['bytes']} bytes, {r['atomics']} "
            f"atomic RMW per update{posted}"
        )
    if not rows:
        return []
    out: list[str | Pre] = [
        f"Cost [5] ({cfg.id_bits}-bit ids, {cfg.word_bits}-bit words, cheapest proven "
        "design, model): " + "; ".join(rows) + ". Measured, user space, this "
        "machine, 1 thread, C -O2 update loop, as a ratio to the posted K = 3 path:"
    ]
    measured = f.get(MEASURED_FACT, {})
    for o in per:
        m = dict(measured.get(f"{key} order {o}") or {})
        posted = m.pop("posted", None)
        if m and posted and posted[0] > 0:
            out.append(
                Pre(
                    MEASURED_PREFIX
                    + f" (order {o}): "
                    + ", ".join(f"{a} {_ratio(ns / posted[0])}" for a, (ns, _) in m.items())
                )
            )
    return [*out, ""]


ATTACHMENTS = (
    ("proof_moments.txt", "the moments proof with this width's numbers"),
    ("moments_rule.txt", "largest exact order by id and word bits; the verifier at three widths"),
    ("verify.txt, counterexample_steps.txt", "verdict per order; the counterexample step by step"),
    ("race_moments.txt", "the race scenario, with and without the seqcount"),
    ("design.txt, design_cost.txt, cost.txt", "fewest values proven safe; cost"),
    ("schemes.txt, collide.txt", "peer schemes on kernel-like workloads; collisions"),
)


def post_blocks(facts: dict, config: RmapConfig, quick: bool = False) -> list[str | Pre]:
    """The post as the wrapper's input (see :func:`post_text`)."""
    cfg = config
    f = facts
    blocks: list[str | Pre] = [Pre(SUBJECT), ""]
    blocks += _summary(f, cfg, quick)
    blocks.append("Attachments (files in the report folder):")
    blocks += [f"[{i}] {name}: {what}" for i, (name, what) in enumerate(ATTACHMENTS, 1)]
    blocks += ["", "Notes on the attachments", ""]
    blocks += _details(f, cfg)
    blocks += ["", "--", _footer(f)]
    return blocks


def _footer(f: dict) -> str:
    commit = f.get("git_commit")
    return (
        f"rmaplab {f.get('rmaplab_version', '?')}\n"
        f"git commit {commit or 'unknown (not run from a git checkout)'}\n"
        + ("(the checkout had uncommitted changes)\n" if commit and f.get("git_dirty") else "")
        + f"Command: {f.get('command') or 'unknown'}"
    )


def post_text(facts: dict, config: RmapConfig, quick: bool = False) -> str:
    """The RFC cover letter, from the facts the report computed: subject,
    one-screen summary (claim, proof, rule, v1 bug, concurrency, 6.15, cost),
    numbered attachments, notes, provenance footer.

    ``config``: the resolved configuration; ``quick``: the run used
    ``--quick`` budgets, which the post says first.
    """
    return check_width(mail(post_blocks(facts, config, quick)), MAIL_WIDTH)


def _details(f: dict, cfg: RmapConfig) -> list[str | Pre]:
    """The older, longer notes: design search, collisions, cost model, peers."""
    from .proof import LINEAR_SCOPE, quadratic_table
    from .verify import frontier_pages

    cs = f.get("collide_scope", {})
    corder = cs.get("order", 9 if 9 in cfg.orders else cfg.max_order)
    g = cfg.group_for(corder)
    dp = _design_post(f)
    out: list[str | Pre] = [f"[5] {dp[0]}", *dp[1:], ""] if dp else []
    out += [
        f"[3] Encoding: {cfg.name}, {cfg.id_bits}-bit mm ids, {cfg.word_bits}-bit rmap "
        "values; each value sums sub-IDs, the base P_g + 1 digits of one slice of "
        f"the id. At order {corder}: {nb(f'K = {g.nr_values}')} values of "
        f"{nb(f'B = {g.bits}')} id bits, base {g.base}. See proof.txt, "
        "counterexample_steps.txt, verify.txt.",
        "",
    ]
    coll = f.get("collide") or {}
    if coll:
        zero = [e for e, (p, hi, m) in coll.items() if m == "proof"]
        rest = {e: v for e, v in coll.items() if e not in zero}
        trials = f" {cs['trials']} trials per point;" if "trials" in cs else ""
        out.append(
            f"Collisions at order {corder} (collide.txt; uniform random "
            f"populations, 3 mms, 20 mappings;{trials} random ids are not what a "
            "lowest-free allocator hands out, so these bound nothing for real "
            "ids):"
        )
        if zero:
            out.append(f"- 0 by proof: {', '.join(_COLLIDE_NAMES.get(e, e) for e in zero)}")
        for e, (p, hi, method) in rest.items():
            out.append(f"- {_COLLIDE_NAMES.get(e, e)}: {p:.3g} (95% high {hi:.3g}, {method})")
        if f.get("adversarial"):
            fooled = [_COLLIDE_NAMES.get(e, e) for e, p in f["adversarial"].items() if p > 0]
            out.append(
                f"The counterexample and its neighbours fool: {', '.join(fooled) or 'none'}."
            )
        out.append("")
    if f.get("tradeoff"):
        out.append(
            f"Posted {cfg.name} cost at order 9 (x86-64 2 MiB THP) and order 13 (arm64 "
            "512 MiB THP) (cost.txt; bytes: the K values only; atomic RMW per "
            "(un)map: legacy 2 + total mapcount 1 + seqcount 2 + K):"
        )
        for o, t in f["tradeoff"].items():
            out.append(
                f"- order {o}: {t['values']} values, {t['bytes']} bytes, {t['atomics']} "
                f"atomic RMW per update, {t['verdict']}"
            )
    if 9 in f.get("cheapest", {}):
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
                    f"{nb(f'w[s] = s + s^2 * 2^{tk}')} makes {k - 1} values of {b} bits "
                    f"safe up to {tp} pages (proof.txt)."
                )
        out.append(text)
    ss = f.get("schemes_scope")
    if ss and f.get("schemes"):
        scope = (
            f"{len(ss['workloads'])} kernel-like workloads ({', '.join(ss['workloads'])}) "
            f"at order {ss['order']}, {ss['procs']} processes, {ss['folios']} folios, "
            f"seed {ss['seed']}"
        )
        out += [
            "",
            f"The peer schemes on {scope} (schemes.txt): checks, false exclusive and "
            "false shared, summed over those workloads; the counterexample workload "
            "is not in the sums:",
        ]
        for s, (c, fe, fs) in f["schemes"].items():
            out.append(f"- {s}: {c} checks, {fe} false exclusive, {fs} false shared")
        if f.get("counterexample_false_exclusive"):
            bad = [s for s, v in f["counterexample_false_exclusive"].items() if v]
            out.append(
                f"On the counterexample workload (order {f.get('order', '?')}) only "
                f"{', '.join(bad)} answers wrongly."
            )
    return out


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
    extra = ["moments rule", "race"]
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
        w.text("proof_moments", proof_moments_text(b, W, params.schemes_order))
        w.text(
            "moments_rule",
            mail(
                [
                    Pre(_leo_text(facts["largest_exact_order"])),
                    "",
                    "The verifier (rmaplab verify --encoding moments) at the rule "
                    "and one order above it:",
                    _rule_text(facts["rule_evidence"]),
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
