"""The proof intuition, made concrete: per-bit counters, base-(P_g+1) digits,
the written proof for mail, and a counterexample replayed step by step.

Source of the intuition: the WIP v1 series ("one counter per id bit";
"base P_g + 1 digits pack those counters into one word with no carries as
long as nothing wraps"). Every number here comes from the folio model
(:mod:`rmaplab.folio`) or the verifier (:mod:`rmaplab.verify`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .config import RmapConfig, require_config
from .encodings.digits_lattice import difference_vectors
from .encodings.table import quadratic_table
from .export import MAIL_WIDTH, check_width, text_table, wrap
from .folio import Folio
from .subid import subid_digits
from .verify import split_counterexample

if TYPE_CHECKING:
    from .encodings import Encoding
    from .verify import Verdict

__all__ = [
    "LINEAR_SCOPE",
    "bit_counters",
    "difference_vectors",
    "digits_proof_text",
    "proof_text",
    "quadratic_table",
    "replay_steps",
    "replay_steps_text",
]

#: The family the pigeonhole frontier covers; every printed frontier claim uses it.
LINEAR_SCOPE = "sub-IDs linear in the slice's bits (subid = sum_j bit_j * w_j mod 2^W)"


def bit_counters(config: RmapConfig, order: int, counts: dict[int, int]) -> pd.DataFrame:
    """Per value and id bit: the counter (mappings whose mm has that bit set)
    beside the digit of the rmap value in base ``P_g + 1``.

    They agree while no digit exceeds ``P_g`` and the word does not wrap;
    ``agree`` shows where they part.
    """
    enc = require_config(config).encoding(order)
    bits = enc.slice_bits
    f = Folio(enc, order)
    for mm, c in counts.items():
        f.map(mm, c)
    rows = []
    for k, v in enumerate(f.rmap_vals):
        digits = subid_digits(v, enc.param("base") - 1, bits)
        for j in range(bits):
            counter = sum(c for mm, c in counts.items() if (enc.slice_of(mm, k) >> j) & 1)
            rows.append(
                {
                    "value": k,
                    "bit": k * bits + j,
                    "digit": j,
                    "counter": counter,
                    "value_digit": digits[j] if j < len(digits) else 0,
                }
            )
    df = pd.DataFrame(rows)
    df["agree"] = df["counter"] == df["value_digit"]
    return df


def _pages(n: int) -> str:
    return f"{n} page" + ("" if n == 1 else "s")


def _digits_text(v: int, base_pages: int, n: int) -> str:
    d = subid_digits(v, base_pages, n)
    return ".".join(str(x) for x in reversed(d))


def replay_steps(enc: Encoding, order: int, counterexample: dict) -> pd.DataFrame:
    """Map each listed ``[id, count]`` in order (the victim's own first) into
    a :class:`~rmaplab.folio.Folio` of ``order`` under ``enc``, then check.

    One row per step and word: ``step``, ``action``, ``mm_id``, ``count``,
    ``mapcount``, ``value`` (the word's index k), ``word_value`` and ``hex``,
    ``base_digits`` (families with a digit base: the word in base ``P_g + 1``,
    most significant digit first, joined by '.'; else '-'), ``expected`` and
    ``expected_hex`` (``mapcount * addend_k(victim)``, what the check compares
    with), ``equal``, ``check`` (what the victim's check answers after this
    step: ``exclusive``, ``shared``, or '-' before the victim maps) and
    ``truly_shared``. ``attrs["check"]`` is the final check, so a reader sees
    the words drift apart and meet again at the last step.
    """
    f = Folio(enc, order)
    victim = counterexample["victim"]
    split_counterexample(counterexample)  # the victim's own entry is listed, once
    plan = [tuple(m) for m in counterexample["mappings"]]
    base = enc.param("base") if enc.fam.reports_base else None
    rows = []
    for step, (mm, count) in enumerate(plan, 1):
        f.map(mm, count)
        exp = f.expected(victim)
        truth = f.truth()
        chk = f.check(victim) if truth.get(victim) else None
        answer = "-" if chk is None else ("shared" if chk.shared else "exclusive")
        for k, v in enumerate(f.rmap_vals):
            rows.append(
                {
                    "step": step,
                    "action": f"map {count} for mm {mm}",
                    "mapcount": f.mapcount,
                    "value": k,
                    "hex": f"{v:#018x}" if enc.word_bits == 64 else f"{v:#x}",
                    "base_digits": "-"
                    if base is None
                    else _digits_text(v, base - 1, enc.slice_bits + 1),
                    "expected_hex": f"{exp[k]:#x}",
                    "equal": v == exp[k],
                    "mm_id": mm,
                    "count": count,
                    "word_value": v,
                    "expected": exp[k],
                    "check": answer,
                    "truly_shared": any(o != victim for o in truth),
                }
            )
    chk = f.check(victim)
    df = pd.DataFrame(rows)
    df.attrs["check"] = chk
    return df


def replay_steps_text(st: pd.DataFrame, enc: Encoding, order: int, victim: int) -> str:
    """:func:`replay_steps` as a 72-column table, one line per step and word."""
    digits = -(-enc.word_bits // 4)
    tab = st.assign(
        word_value=[f"{v:0{digits}x}" for v in st["word_value"]],
        expected=[f"{v:0{digits}x}" for v in st["expected"]],
        equal=["yes" if e else "no" for e in st["equal"]],
    )
    last = st[st["step"] == st["step"].max()].iloc[0]
    verdict = (
        f"After the last step the check answers '{last['check']}' for mm {victim} "
        f"while {'other mms map the folio' if last['truly_shared'] else 'only it maps'}"
        f" ({int(last['mapcount'])} mappings, {1 << order} pages)."
    )
    head = wrap(
        f"{enc.describe()}; order {order}. Each step maps count pages of mm; "
        f"value = word k, n*add(X) = what mm {victim} alone would give (hex)."
    )
    body = text_table(
        tab,
        ["step", "mm_id", "count", "mapcount", "value", "word_value", "expected", "equal"],
        ["step", "mm", "count", "n", "k", "value", "n*add(X)", "eq"],
    )
    return check_width(head + "\n\n" + body + "\n\n" + wrap(verdict), MAIL_WIDTH)


def proof_text(config: RmapConfig, order: int, width: int = MAIL_WIDTH) -> str:
    """The argument with this configuration's numbers, as plain text for mail:
    :func:`digits_proof_text` of its encoding at ``order``, resolved here once."""
    from .verify import verify

    cfg = require_config(config)
    return digits_proof_text(cfg.encoding(order), order, verify(cfg, order), width)


def digits_proof_text(enc: Encoding, order: int, v: Verdict, width: int = MAIL_WIDTH) -> str:
    """The argument for the digits encoding ``enc`` at ``order``, with the
    numbers of its verdict ``v`` (:func:`rmaplab.verify.verify`, or
    :func:`~rmaplab.verify.verify_digits` for an encoding on its own)."""
    P = 1 << order
    b = enc.param("base")
    W = enc.word_bits
    parts = [
        f"rmap-ID check, {v.config}, order {order}: P = {P} pages, K = {enc.nr_values} "
        f"values of B = {enc.slice_bits} id bits, base b = P_g + 1 = {b}, "
        f"W = {W}-bit words.",
        "",
        "Claim: if the checking mm X maps at least one page (c_X >= 1) and "
        "n <= P pages are mapped in all, value_k == n * subid_k(X) (mod 2^W) "
        "for all k only if X holds every mapping.",
        "",
        "1. subid_k(m) = sum_j bit_kj(m) * b^j. The check for X passes iff for "
        "every k: sum_j D_kj * b^j == 0 (mod 2^W), where D_kj = sum over "
        "mappings (c_m of them by mm m) of c_m * (bit_kj(m) - bit_kj(X)); "
        "X's own mappings add 0.",
        "",
        "2. One counter per id bit: D_kj = 0 for all k, j means every mm with "
        "a mapping has X's bits, i.e. is X. So a false 'exclusive' needs some "
        "D_k != 0 with the weighted sum vanishing modulo 2^W.",
        "",
        f"3. No wrap: |D_kj| <= n - c_X <= P - 1 = {P - 1}, as c_X >= 1. "
        "If P - 1 < b and "
        f"(P - 1) * maxsub < 2^W (maxsub = 1 + b + ... + b^(B-1)), the sum is "
        "0 as an integer, and its lowest nonzero digit would be a nonzero "
        "multiple of b in (-b, b): impossible. So D = 0.",
        "",
    ]
    cert = v.certificate
    if v.method == "carry-free":
        parts.append(
            f"Here: (P - 1) * maxsub = {cert['max_difference']} < 2^{W}, "
            f"headroom {cert['headroom_bits']} bits, and {P - 1} < {b}. SAFE."
        )
    else:
        parts += [
            f"Here step 3 fails: (P - 1) * maxsub needs "
            f"{cert['max_difference'].bit_length()} bits > {W}; "
            "sums can wrap.",
            "",
            "4. Wrapping: the D with sum_j D_j b^j == 0 (mod 2^W) form a lattice "
            "of determinant 2^W. A nonzero D in it is realised by ||D||_inf "
            "other mappings (X's bit j is 1 where D_j < 0; mapping i flips the "
            "bits with |D_j| > i), so the fewest mappings that fool the check "
            "are 1 + the shortest nonzero ||D||_inf. LLL and a complete exact "
            "enumeration find it.",
            "",
        ]
        if v.counterexample:
            ce = v.counterexample
            diffs = difference_vectors(enc, ce)
            mod = 1 << W
            for k, d in diffs.items():
                # the proof prints only what its own step 1 re-derives
                assert sum(dj * b**j for j, dj in enumerate(d)) % mod == 0, (k, d)
            victim, own, rest = split_counterexample(ce)
            others = sum(c for _, c in rest)
            parts.append(
                f"Verdict: {v.verdict.upper()} ({v.method}). "
                + "; ".join(f"D = {d} in value {k}" for k, d in diffs.items())
                + f" (step 1's sign: the others' bits minus X's): sum_j D_j * {b}^j "
                f"== 0 mod 2^{W}; X maps {_pages(own)}, the others {others}: "
                f"n = {own + others} <= {P} pages; "
                + (
                    "LLL + complete enumeration: no shorter D."
                    if v.proven_minimal
                    else "the enumeration stopped at its node limit: minimality not proven."
                )
            )
            parts += [
                "",
                f"Counterexample: victim mm {victim} maps {_pages(own)}; "
                + ", ".join(f"mm {m} maps {c}" for m, c in rest)
                + f"; total {v.min_mappings} <= {P}: the check says 'exclusive'.",
            ]
        else:
            parts.append(f"Verdict: {v.verdict.upper()} ({v.method}). {v.evidence}.")
    T = v.frontier_pages - 1
    parts += [
        "",
        f"Frontier, for {LINEAR_SCOPE} with any weights w_j: with B = {enc.slice_bits} and "
        f"W = {W}, none is safe from P = {v.frontier_pages} pages on "
        f"(pigeonhole: the (T+1)^B > 2^W vectors in {{0..T}}^B, T = {T}, "
        "cannot all have distinct weighted sums; the difference of two equal "
        "ones is a nonzero D with ||D||_inf <= T).",
    ]
    tp, tk = quadratic_table(enc.slice_bits, W)
    if tp >= v.frontier_pages:
        parts.append(
            "Not covered: a table w[s] indexed by the whole slice value. "
            f"w[s] = s + s^2 * 2^{tk} is safe up to {tp} pages: "
            f"|sum c (s - x)| < 2^{tk} and |sum c (s^2 - x^2)| < "
            f"2^{W - tk} force both sums to 0 (no wrap), then "
            "sum c (s - x)^2 = 0."
            + (
                f" So K = {enc.nr_values} values of {enc.slice_bits} bits with it "
                f"are safe at P = {P}."
                if P <= tp and v.verdict != "safe"
                else ""
            )
        )
    else:
        parts.append("Not covered: a table w[s] indexed by the whole slice value.")
    if v.note:
        parts += ["", f"Series notes: {v.note}."]
    return check_width(wrap("\n".join(parts), width), width)
