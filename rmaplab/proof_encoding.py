"""The written argument for an encoding at one order, plain text for mail.

Every number comes from :func:`rmaplab.verify_encoding.verify_encoding`;
digits reuse :func:`rmaplab.proof.proof_text`. Lines are at most 72
columns; the text says when it fits in 15 lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .encoding import Encoding
from .export import MAIL_WIDTH, check_width, wrap

if TYPE_CHECKING:
    from .verify_encoding import EncVerdict

__all__ = ["SHORT_PROOF_LINES", "proof_text_encoding"]

#: "Fits in the margin": a proof of at most this many lines.
SHORT_PROOF_LINES = 15


def _p2(x: int) -> str:
    """x, or 2^e when x is a power of two (reads better in mail)."""
    if x > 1024 and x & (x - 1) == 0:
        return f"2^{x.bit_length() - 1}"
    return str(x)


def _moments_lines(enc: Encoding, order: int, v) -> list[str]:
    c = v.certificate["slices"][0]
    W = enc.word_bits
    P = 1 << order
    what = "x = mm id" if enc.slices == 1 else f"x = a {enc.slice_bits}-bit id slice"
    lines = [
        f"Words: S1 = sum c*x, S2 = sum c*x^2 (mod 2^{W}), {what} in "
        f"[{c['lo']}, {c['hi']}], c = its mm's mappings.",
        f"Claim: n <= P = {_p2(P)}, S1 == n*X and S2 == n*X^2 only if every "
        "mapping is X's (X maps at least one page).",
        "1. Over the N' = n - c_X others, d = x - X: D1 = sum c*d == 0 and "
        "D2 = sum c*d^2 == 0 (mod 2^W), since S2 - n*X^2 = D2 + 2X*D1.",
        f"2. |D1| <= (P-1)*{c['span']} = {c['s1_max']} "
        + ("< " if c["s1_max"] < 1 << W else ">= ")
        + f"2^{W}"
        + (": D1 = 0 exactly." if c["s1_max"] < 1 << W else ": D1 can wrap."),
    ]
    if v.method == "moments-no-wrap":
        lines.append(
            f"3. 0 <= D2 <= (P-1)*(hi^2-lo^2) = {c['s2_max']} < 2^{W}: D2 = 0, "
            "so sum c*d^2 = 0: every d = 0, every mapping is X's. SAFE."
        )
        return lines
    lines += [
        "3. On [lo-X, hi-X]: d^2 <= (hi+lo-2X)*d + (hi-X)(X-lo), so with D1 = 0: "
        f"0 < D2 <= N'*(hi-X)(X-lo) <= N'*{c['hmax2']}.",
        f"4. D2 > 0 and D2 == 0 mod 2^{W}: N' >= ceil(2^{W}/{c['hmax2']}) = "
        f"{c['lower_bound_others']}.",
    ]
    if v.verdict == "safe":
        lines.append(f"   {c['lower_bound_others']} > P - 1 = {P - 1}. SAFE.")
    return lines


def proof_text_encoding(
    enc: Encoding, order: int, width: int = MAIL_WIDTH, verdict: EncVerdict | None = None
) -> str:
    """The argument with this encoding's numbers (safe) or the counterexample."""
    from .verify_encoding import verify_encoding

    v = verdict if verdict is not None else verify_encoding(enc, order)
    P = 1 << order
    if enc.family == "digits":
        from .config import Group, RmapConfig
        from .proof import proof_text

        cfg = RmapConfig(
            f"digits-{enc.id_bits}id-{enc.word_bits}w",
            enc.id_bits,
            enc.word_bits,
            (Group(order, order, enc.nr_values, enc.slice_bits, enc.param("base") - 1),),
        )
        body = proof_text(cfg, order, width)
        n = len(body.splitlines())
        return check_width(body + "\n" + _fits(n + 1), width)
    head = f"{enc.describe()}; {enc.id_bits}-bit ids, order {order} ({_p2(P)} pages)."
    lines = [head]
    if v.method == "pages":
        lines.append("n <= 1: the only mapping is X's. SAFE.")
    elif enc.family == "moments" and v.method.startswith("moments"):
        lines += _moments_lines(enc, order, v)
    else:
        lines.append(
            "Check: n <= P and word_k == n*addend_k(X) (mod 2^W) for all k; X's "
            "own mappings add 0, so only the others' differences matter; per id "
            "slice, others equal to X elsewhere realise any slice attack."
        )
        lines.append(f"{v.method}: {v.evidence}.")
    if v.verdict == "unsafe":
        ce = v.counterexample
        assert ce is not None, "an unsafe verdict carries its counterexample"
        lines.append(
            f"UNSAFE: {v.min_mappings} mappings fool the check "
            + ("(proven minimal)." if v.proven_minimal else "(not proven minimal).")
        )
        lines.append(
            "Counterexample [id, count], victim first: "
            + ", ".join(f"[{m}, {c}]" for m, c in ce["mappings"][:6])
            + (f" and {len(ce['mappings']) - 6} more" if len(ce["mappings"]) > 6 else "")
            + "."
        )
    elif v.verdict == "undecided":
        lines.append("UNDECIDED within the search budget.")
    body = wrap("\n".join(lines), width)
    n = len(body.splitlines())
    return check_width(body + "\n" + _fits(n + 1), width)


def _fits(n: int) -> str:
    if n <= SHORT_PROOF_LINES:
        return f"({n} lines: fits in {SHORT_PROOF_LINES}.)"
    return f"({n} lines: longer than {SHORT_PROOF_LINES}.)"
