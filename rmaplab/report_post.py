"""post.txt: the RFC cover letter ``rmaplab report`` writes, from its facts.

Subject; a one-screen summary (the claim, the moments proof inline with its
assumptions, the rule W + 2 - 2b, the v1 counterexample with a replay
command, the concurrency result, the 6.15 comparison hook, the cost as
ratios with their conditions); numbered attachments; notes on them; the
provenance footer. Reflowed by the one mail wrapper (:mod:`rmaplab.mailtext`).
A claim is stated only from a fact the report computed.
"""

from __future__ import annotations

from .config import RmapConfig
from .encodings import recommended
from .export import check_width
from .mailtext import MAIL_WIDTH, Pre, mail, nb
from .report_615 import comparison_615
from .views import BENCH_ENCODINGS_CMD

__all__ = ["comparison_615", "post_blocks", "post_text"]

#: The one fact measured on the machine that runs the report (ns per update):
#: it changes run to run, so it stays out of every other fact and line.
MEASURED_FACT = "design_measured"
#: post.txt lines that carry it start with this (the determinism test drops them).
MEASURED_PREFIX = "  measured here"


#: collide's old shorthand, read like the safe two-value design: the post
#: says digits-k2
_COLLIDE_NAMES = {"two-values": "digits-k2"}


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
            "encoding with 1 value is safe (one-word constructions: [8])."
        )
    return blocks


#: widths the post names, each checked by the verifier at the rule and one above
RULE_EXAMPLES = ((24, 64), (31, 64), (16, 32))


def _leo_text(leo: dict) -> str:
    """The largest-exact-order table as text, two columns per row pair."""
    rows = leo["by_id_bits"]
    ws = list(next(iter(rows.values())))
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
        rule = ",".join(str(recommended.rule(int(b), int(w))) for w in ws)
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
    # the proven order (the rule, capped, and 1 where the rule is <= 0)
    leo = f.get("largest_exact_order", {}).get("by_id_bits", {}).get(str(b), {})
    r = leo.get(str(W), recommended.rule(b, W))
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
        + f"Two words per folio, {nb('S1 = sum c*x')} and {nb('S2 = sum c*x^2')} "
        "(mod 2^W) over the mms x that map it (c = mappings of x), make it exact "
        f"for {b}-bit ids in {W}-bit words through order {r}"
        + (
            ""
            if r >= 9
            else f" only, below order 9 ({nb('2 MiB')} THP on x86-64; [5] has wider designs)"
        )
        + f": mm X maps the folio exclusively iff n <= P, {nb('S1 == n*X')} and "
        f"{nb('S2 == n*X^2')}. This is the 1-sparse test of streaming algorithms "
        "(count, sum, sum of squares)."
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
    rule += _id_space(f)
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
            "answer a false 'exclusive' without it; with it, "
            f"{s['false_exclusive']} of "
            f"{s['states']}"
            + ("." if n["complete"] and s["complete"] else " (state budget hit).")
            + _lkmm(f.get("litmus"))
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
    out += _one_value(f)
    out += _cost_summary(f, cfg)
    return out


def _one_value(f: dict) -> list[str]:
    """Issue 20's result in one sentence, open or not."""
    v = f.get("one_value")
    if not v or not v.get("proven_id_bits"):
        return []
    b, o, w = v["proven_id_bits"], v["order"], v["word_bits"]
    ub = v.get("upper_bound_id_bits")
    state = (
        f"24-bit ids at order {o} are open between {b} bits proven and {ub}, "
        f"the upper bound ({v['upper_bound_kind'].replace('proof (', 'proof: ').rstrip(')')})"
        if v.get("open") and b < 24
        else f"24-bit ids at order {o} are covered"
    )
    reach = v.get("largest_order_24bit")
    return [
        f"One value [8]: one {w}-bit rmap value is proven exact for {b}-bit ids "
        f"({nb(f'2^{b} - 1')} mms) at order {o} ({v['construction']}, packing lemma)"
        + (f", and for 24-bit ids up to order {reach}" if reach else "")
        + f"; {state}.",
        "",
    ]


def _lkmm(lit: dict | None) -> str:
    """One sentence on the litmus tests: what they expect, and herd7's word
    only when it ran here."""
    if not lit:
        return ""
    t = lit["tests"]
    needed = [k for k, v in t.items() if "-no-" in k and v == "Sometimes"]
    full = (
        t.get("excl-writer-cmpxchg") == "Never"
        and t.get("excl-writer-cmpxchg-relaxed") == "Sometimes"
    )
    ran = (
        f"herd7 here agrees on {lit['herd7_agree']} of {len(t)}"
        if lit["herd7_ran"]
        else "herd7 in CI"
    )
    return (
        f" LKMM: all {len(needed)} barriers"
        + (" and a fully ordered exclusive cmpxchg" if full else "")
        + f" are needed ({len(t)} litmus tests; {ran})."
    )


#: id widths worth naming: (bits, word bits, why)
ID_SPACE = (
    (22, 64, "PID_MAX_LIMIT: live tasks, so live mms in practice, not by proof"),
    (15, 32, "6.15's mm_id on 32-bit"),
)


def _id_space(f: dict) -> str:
    """The proven order at the id widths a reviewer asks about, from the table."""
    by = f.get("largest_exact_order", {}).get("by_id_bits", {})
    got = [
        f" {nb(f'{b}-bit ids ({why}), {w}-bit words')}: order {by[str(b)][str(w)]}."
        for b, w, why in ID_SPACE
        if str(w) in by.get(str(b), {})
    ]
    return "".join(got)


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
    (
        "verify.txt, counterexample_steps.txt, table.txt",
        "verdict per order; the counterexample step by step; headroom bits per order",
    ),
    (
        "race_moments.txt, litmus.txt, race_615.txt",
        "the race scenario with and without the seqcount; the barriers as LKMM "
        "litmus tests (herd7 commands); 6.15's locking in the race explorer",
    ),
    ("design.txt, design_cost.txt, cost.txt", "fewest values proven safe; cost"),
    (
        "schemes.txt, collide_ids.txt, collide.txt",
        "peer schemes on kernel-like workloads; collisions under allocated ids; "
        "under uniform random populations",
    ),
    (
        "versus_615.txt, versus_615.png",
        "needless copies per GiB written by workload shape, 6.15 against exact",
    ),
    (
        "one_value.txt, id_space.txt",
        "one rmap value: the largest ids proven per construction and order; "
        "largest exact order of 1, 2 and 3 values per id width, and id lifetime",
    ),
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


#: a token of the footer's command longer than a mail line (a deep --out
#: path) is shortened to its tail: the mail wrapper never splits a token, and
#: the whole command stays in facts.json
FOOTER_TOKEN = MAIL_WIDTH


def _short(token: str) -> str:
    return token if len(token) <= FOOTER_TOKEN else "..." + token[-(FOOTER_TOKEN - 3) :]


def _footer(f: dict) -> str:
    commit = f.get("git_commit")
    return (
        f"rmaplab {f.get('rmaplab_version', '?')}\n"
        f"git commit {commit or 'unknown (not run from a git checkout)'}\n"
        + ("(the checkout had uncommitted changes)\n" if commit and f.get("git_dirty") else "")
        + "Command: "
        + (" ".join(_short(t) for t in f["command"].split()) if f.get("command") else "unknown")
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
    """Notes in attachment order: [3] the posted encoding, [5] design search
    and cost, [6] collisions and peer schemes."""
    cs = f.get("collide_scope", {})
    corder = cs.get("order", 9 if 9 in cfg.orders else cfg.max_order)
    g = cfg.group_for(corder)
    out: list[str | Pre] = [
        f"[3] Encoding: {cfg.name}, {cfg.id_bits}-bit mm ids, {cfg.word_bits}-bit rmap "
        "values; each value sums sub-IDs, the base P_g + 1 digits of one slice of "
        f"the id. At order {corder}: {nb(f'K = {g.nr_values}')} values of "
        f"{nb(f'B = {g.bits}')} id bits, base {g.base}. See proof.txt, "
        "counterexample_steps.txt, verify.txt.",
        "",
    ]
    dp = _design_post(f)
    out += [f"[5] {dp[0]}", *dp[1:], ""] if dp else []
    out += _posted_cost(f, cfg)
    out += _collisions(f, corder)
    out += _peers(f)
    return out


def _posted_cost(f: dict, cfg: RmapConfig) -> list[str | Pre]:
    from .proof import LINEAR_SCOPE, quadratic_table
    from .verify import frontier_pages

    out: list[str | Pre] = []
    if f.get("tradeoff"):
        out.append(
            f"Posted {cfg.name} cost at order 9 (x86-64 {nb('2 MiB')} THP) and order 13 "
            f"(arm64 {nb('512 MiB')} THP) (cost.txt; bytes: the K values only; atomic "
            "RMW per (un)map: legacy 2 + total mapcount 1 + seqcount 2 + K):"
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
    return [*out, ""] if out else []


def _collisions(f: dict, corder: int) -> list[str | Pre]:
    """[6]: under the ids allocators hand out (:mod:`rmaplab.report_ids`);
    the neighbours of the counterexample in one line."""
    from .report_ids import ids_post

    out: list[str | Pre] = []
    if f.get("ids_collide"):
        out += ids_post(f["ids_collide"])[:-1]
    if f.get("adversarial"):
        fooled = [_COLLIDE_NAMES.get(e, e) for e, p in f["adversarial"].items() if p > 0]
        out.append(
            f"The counterexample and its neighbours (counts +-1; collide.txt) fool: "
            f"{', '.join(fooled) or 'none'}."
        )
    return [*out, ""] if out else []


def _peers(f: dict) -> list[str | Pre]:
    ss = f.get("schemes_scope")
    if not (ss and f.get("schemes")):
        return []
    scope = (
        f"{len(ss['workloads'])} kernel-like workloads ({', '.join(ss['workloads'])}) "
        f"at order {ss['order']}, {ss['procs']} processes, {ss['folios']} folios, "
        f"seed {ss['seed']}"
    )
    out: list[str | Pre] = [
        f"[6] The peer schemes on {scope} (schemes.txt): checks, false exclusive and "
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
