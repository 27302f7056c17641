"""A counterexample under any encoding, replayed one mapping at a time.

:func:`replay_steps` maps each ``[id, count]`` of a counterexample (the
victim's own entry included, as :func:`rmaplab.verify_encoding.verify_encoding`
returns it) into a :class:`~rmaplab.folio.Folio` under the encoding and records,
after each step, every rmap value beside what the check expects for the
victim (``n * addend_k(X)`` modulo the word), so a reader sees the words
drift apart and meet again at the last step.
"""

from __future__ import annotations

import pandas as pd

from .encodings import Encoding
from .export import MAIL_WIDTH, check_width, text_table, wrap
from .folio import Folio

__all__ = ["replay_steps", "replay_steps_text"]


def replay_steps(enc: Encoding, order: int, counterexample: dict) -> pd.DataFrame:
    """One row per step and word: ``step, mm_id, count, mapcount, word,
    value, expected, equal, check`` (``check``: what the victim's check
    answers after this step, ``exclusive`` or ``shared``)."""
    f = Folio(enc, order)
    victim = counterexample["victim"]
    rows = []
    for step, (mm, c) in enumerate(counterexample["mappings"], 1):
        f.map(mm, c)
        exp = f.expected(victim)
        truth = f.truth()
        chk = f.check(victim) if truth.get(victim) else None
        answer = "-" if chk is None else ("shared" if chk.shared else "exclusive")
        for k, (v, e) in enumerate(zip(f.rmap_vals, exp, strict=True)):
            rows.append(
                {
                    "step": step,
                    "mm_id": mm,
                    "count": c,
                    "mapcount": f.mapcount,
                    "word": k,
                    "value": v,
                    "expected": e,
                    "equal": v == e,
                    "check": answer,
                    "truly_shared": any(o != victim for o in truth),
                }
            )
    return pd.DataFrame(rows)


def replay_steps_text(st: pd.DataFrame, enc: Encoding, order: int, victim: int) -> str:
    """The replay as a 72-column table, one line per step and word."""
    digits = -(-enc.word_bits // 4)
    tab = st.assign(
        value=[f"{v:0{digits}x}" for v in st["value"]],
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
        ["step", "mm_id", "count", "mapcount", "word", "value", "expected", "equal"],
        ["step", "mm", "count", "n", "k", "value", "n*add(X)", "eq"],
    )
    return check_width(head + "\n\n" + body + "\n\n" + wrap(verdict), MAIL_WIDTH)
