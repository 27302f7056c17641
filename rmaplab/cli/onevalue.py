"""``rmaplab one-value``: the best one-value construction proven and the best
upper bound known (issue 20), from the shipped table where it covers the
question (:func:`rmaplab.onevalue.summary.lookup`), else computed."""

from __future__ import annotations

from ..config import ConfigError
from ..validate import (
    MAPCOUNT_BITS_RANGE,
    ONE_VALUE_ORDER_RANGE,
    ONE_VALUE_WORD_BITS_RANGE,
    int_arg,
)

HELP = {"one-value": "one rmap value: best construction proven vs best upper bound"}


def answer(word_bits: int, order: int, mapcount_bits: int = 0) -> dict:
    """``one_value``'s JSON (table or computed) plus how to check it:
    ``source`` and, for one value (M = 0), the ``verify`` command whose
    certificate backs ``proven_id_bits`` (``best_construction`` is a
    registered encoding family)."""
    import sys

    from ..onevalue import summary

    hi = 63 - order
    if mapcount_bits > hi:
        raise ConfigError(
            f"--mapcount-bits={mapcount_bits} is out of range for --order={order}: "
            f"allowed [0, {hi}] (the count keeps order + 1 bits of the 64-bit word)"
        )
    r = summary.lookup(word_bits, order, mapcount_bits)
    source = f"rmaplab/data/{summary.TABLE_FILE}"
    if r is None:
        print("one-value: not in the shipped table; computing (up to a minute)", file=sys.stderr)
        r = summary.one_value(word_bits, order, mapcount_bits)
        source = "computed"
    best, bits = r["best_construction"], r["proven_id_bits"]
    cmd = None
    if best is not None and not mapcount_bits and bits >= 2:
        cmd = (
            f"rmaplab verify --encoding {best} --id-bits {bits} --word-bits {word_bits} "
            f"--max-order {order} --order {order} --json"
        )
    r["gap_id_bits"] = r["upper_bound_id_bits"] - bits
    r["source"] = source
    r["verify_command"] = cmd
    if not mapcount_bits:
        from ..onevalue import growth

        r["growth_law"] = {
            "kind": "conjecture",
            "law": "log2 M(B, W) ~ max_d (W - B (d+1)/(d-1) + log2 K_d) / d "
            "(rmaplab.onevalue.growth; fitted on the exact tiny cells)",
            "predictions": [growth.predict(b, word_bits) for b in (22, 24, 31)],
        }
    if mapcount_bits:
        r["certified_by"] = (
            "rmaplab.onevalue.mapcount_bits.design_with_mapcount_bits (packing lemma "
            "per word: the rmap value and the mapcount word's top field)"
        )
    return r


def cmd_one_value(args) -> int:
    import json

    from ..export import wrap

    r = answer(args.word_bits, args.order, args.mapcount_bits)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    m = f" + {r['mapcount_bits']} mapcount-word bits" if r["mapcount_bits"] else ""
    lines = [
        f"one {r['word_bits']}-bit rmap value{m}, order {r['order']} ({1 << r['order']} pages):",
        f"proven: {r['proven_id_bits']}-bit ids ({r['best_construction']}, packing lemma)",
        f"upper bound: {r['upper_bound_id_bits']} id bits, {r['upper_bound_kind']}",
        f"gap: {r['gap_id_bits']} id bits ({'open' if r['open'] else 'settled'})",
    ]
    if r.get("conjecture_id_bits") is not None:
        lines.append(f"conjecture (growth law, not a proof): {r['conjecture_id_bits']} id bits")
    if r.get("growth_law"):
        # a negative order (JSON) means the law gives less than one page: say "none"
        pred = ", ".join(
            f"{p['id_bits']}-bit ids: " + (f"order {p['order']}" if p["order"] >= 0 else "none")
            for p in r["growth_law"]["predictions"]
        )
        lines.append(f"growth law (conjecture) at {r['word_bits']} bits: {pred}")
    if r["verify_command"]:
        lines.append(f"check: {r['verify_command']}")
    print("\n".join(wrap(x) for x in lines))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("one-value", help=HELP["one-value"])
    p.add_argument(
        "--word-bits",
        type=int_arg(*ONE_VALUE_WORD_BITS_RANGE),
        required=True,
        help="rmap value bits ({}..{})".format(*ONE_VALUE_WORD_BITS_RANGE),
    )
    p.add_argument(
        "--order",
        type=int_arg(*ONE_VALUE_ORDER_RANGE),
        required=True,
        help="folio order ({}..{})".format(*ONE_VALUE_ORDER_RANGE),
    )
    p.add_argument(
        "--mapcount-bits",
        type=int_arg(*MAPCOUNT_BITS_RANGE),
        default=0,
        help="spare bits of a 64-bit mapcount word used for the encoding "
        "(0 = today; at most 63 - order)",
    )
    p.add_argument("--json", action="store_true", help="JSON: one object")
    p.set_defaults(func=cmd_one_value)
