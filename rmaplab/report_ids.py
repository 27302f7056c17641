"""The report's collision section under the ids allocators hand out.

Per encoding the post names (posted digits, its 32-bit twin, the unsafe
``digits-k2``, moments) at the report's order: exact by proof (one line,
through :func:`rmaplab.collide.collide` with ``method="proof"``), else the
fooled fraction of families of ids from each allocator of
:mod:`rmaplab.allocators` with a Wilson 95% interval
(:func:`rmaplab.collide.wilson`), and what an adversary who controls fork
order needs to fool it. Deterministic for a seed.
"""

from __future__ import annotations

from .allocators import LIVE, adversary, churned_live, family_ids, fooled_trials
from .config import ConfigError, RmapConfig
from .mailtext import Pre, mail, nb

__all__ = ["IDS_ALLOCATORS", "IDS_ENCODINGS", "ids_facts", "ids_post", "ids_text"]

#: the encodings of the section (collide's shorthands)
IDS_ENCODINGS = ("posted", "posted-32bit", "digits-k2", "moments")
#: allocators sampled (the adversary is a construction, not a sample)
IDS_ALLOCATORS = ("lowest-free", "consecutive", "random")
#: mms per family: the v1 counterexample's
IDS_MMS = 5
#: families per allocator (full report, --quick)
IDS_FAMILIES = (20_000, 2_000)


def ids_facts(cfg: RmapConfig, order: int, quick: bool, seed: int) -> dict:
    """The section's numbers, as facts.json stores them."""
    from .certify import verify_encoding
    from .collide import collide, resolve_encoding, wilson

    n = IDS_FAMILIES[1] if quick else IDS_FAMILIES[0]
    fams = {a: family_ids(a, IDS_MMS, n, seed, cfg.id_bits) for a in IDS_ALLOCATORS}
    taken = churned_live(seed, id_bits=cfg.id_bits)
    proof: dict = {}
    rows: dict = {}
    adv: dict = {}
    minimal: dict = {}
    for name in IDS_ENCODINGS:
        enc = resolve_encoding(name, order, cfg)
        try:
            r = collide(enc, order, method="proof", config=cfg)
            proof[name] = r.get("proof_method", "proof")
            continue
        except ConfigError:
            pass  # not proven safe: sample it
        rows[name] = {}
        for a, ids in fams.items():
            h, t = fooled_trials(enc, order, ids, seed)
            lo, hi = wilson(h, t)
            rows[name][a] = [h, t, lo, hi]
        adv[name] = adversary(enc, order, taken)
        v = verify_encoding(enc, order)
        if v.min_mappings:
            minimal[name] = [int(v.min_mappings), bool(v.proven_minimal)]
    return {
        "order": order,
        "mms": IDS_MMS,
        "mappings": f"uniform in {IDS_MMS}..{1 << order}",
        "families": n,
        "seed": seed,
        "live": LIVE,
        "live_held": len(taken),
        "proof": proof,
        "rows": rows,
        "adversary": adv,
        "min_mappings": minimal,
    }


def _scope(f: dict) -> str:
    return (
        f"Order {f['order']}, {f['mms']} mms per family (the v1 counterexample's), "
        f"mappings {f['mappings']} split uniformly, the victim uniform; "
        f"{f['families']} families per allocator, seed {f['seed']}: lowest-free "
        f"ids (6.15's mm_id: ida_alloc_range) after fork/exit churn of about "
        f"{f['live']} processes, a parent forking its children; consecutive ids "
        "(a burst of forks); uniform random ids."
    )


def _adv_line(name: str, a: dict | None) -> str:
    if a is None:
        return f"- {name}: the verifier finds no counterexample to replay"
    return (
        f"- {name}: {'fooled' if a['fooled'] else 'NOT fooled'} with certainty by "
        f"{a['mappings']} mappings of ids {nb(', '.join(map(str, a['ids'])))} (victim "
        f"first), after {a['forks']} forks beside {a['held_by_others']} ids held by "
        "others" + (f"; waits for {', '.join(map(str, a['waits_for']))}" if a["waits_for"] else "")
    )


def ids_text(f: dict) -> str:
    """collide_ids.txt: the table per encoding and allocator, the adversary."""
    lines: list = [
        "P(false exclusive) by where the ids come from. " + _scope(f),
        "",
    ]
    for name, why in f["proof"].items():
        lines.append(f"- {name}: exact by proof at order {f['order']} ({why}): 0 under any ids")
    lines.append("")
    head = f"{'encoding':<13} {'allocator':<12} {'fooled':>12} {'95% high':>9}"
    table = [head, "-" * len(head)]
    for name, per in f["rows"].items():
        for a, (h, t, _lo, hi) in per.items():
            table.append(f"{name:<13} {a:<12} {f'{h}/{t}':>12} {hi:9.2g}")
    lines += [Pre("\n".join(table)), ""]
    lines.append("An adversary who controls fork order (lowest-free allocator):")
    lines += [_adv_line(n, a) for n, a in f["adversary"].items()]
    for name, (m, proven) in f["min_mappings"].items():
        lines.append(
            f"- {name}: fewer than {m} mappings never fool it"
            + (" (proven minimal)" if proven else " (the verifier's smallest found)")
        )
    lines += ["", "Replay: rmaplab collide --encoding posted --ids lowest-free --json"]
    return mail(lines)


def ids_post(f: dict) -> list[str]:
    """post.txt's collision note: proofs in one line, zeros in one line, hits and the adversary."""
    out = [
        "[6] Collisions under real ids (collide_ids.txt). " + _scope(f) + " digits-k2 is "
        "the posted digits squeezed into K = 2 values (unsafe).",
    ]
    if f["proof"]:
        out.append(
            f"- exact by proof at order {f['order']}, 0 under any ids: {', '.join(f['proof'])}"
        )
    zero = [n for n, per in f["rows"].items() if not any(v[0] for v in per.values())]
    if zero:
        his = {f"{v[3]:.2g}" for n in zero for v in f["rows"][n].values()}
        bound = f" (95% high {his.pop()} each)" if len(his) == 1 else ""
        out.append(f"- fooled in no family of any allocator{bound}: {', '.join(zero)}")
    for n, per in f["rows"].items():
        if n in zero:
            continue
        out.append(
            f"- {n}: "
            + "; ".join(f"{a} {v[0]}/{v[1]} (95% {v[2]:.2g} to {v[3]:.2g})" for a, v in per.items())
        )
    out.append(
        "Only a forker who picks his ids fools them; under a lowest-free allocator he "
        "gets them by forking in order and exiting the rest:"
    )
    out += [_adv_line(n, a) for n, a in f["adversary"].items()]
    for name, (m, proven) in f["min_mappings"].items():
        if proven:
            out.append(f"- {name}: fewer than {m} mappings never fool it (proven minimal)")
    return [*out, ""]
