"""``rmaplab id-space``: per design, the largest folio order proven exact as
a function of the mm id width (issue 19 item 3), beside the kernel's id
widths (PID_MAX_LIMIT, v1's 24 bits, 6.15's 31 and 15), the 32-bit note and
when an id is freed (:mod:`rmaplab.idspace`)."""

from __future__ import annotations

from ..validate import ONE_VALUE_WORD_BITS_RANGE, int_arg

HELP = {"id-space": "largest exact order per design against mm id bits (22, 24, 31)"}


def cmd_id_space(args) -> int:
    import json

    from ..idspace import LIFETIME, WORD_BITS, id_space_table, id_space_text, thirty_two_bit_text

    words = WORD_BITS if args.word_bits is None else (args.word_bits,)
    df = id_space_table(word_bits=words)
    if args.json:
        rows = json.loads(df.to_json(orient="records"))
        doc = {"rows": rows, "thirty_two_bit": thirty_two_bit_text(), "lifetime": LIFETIME}
        print(json.dumps(doc, indent=1))
        return 0
    print(id_space_text(df))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("id-space", help=HELP["id-space"])
    p.add_argument(
        "--word-bits",
        type=int_arg(*ONE_VALUE_WORD_BITS_RANGE),
        default=None,
        help="rmap value bits ({}..{}; default: 64 and 32)".format(*ONE_VALUE_WORD_BITS_RANGE),
    )
    p.add_argument("--json", action="store_true", help="JSON: rows, then the two notes")
    p.set_defaults(func=cmd_id_space)
