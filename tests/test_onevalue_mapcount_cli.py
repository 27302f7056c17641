"""Issue 20, item 2: ``design --mapcount-bits M`` and the ``mapcount-word``
family. The certificate is checked by brute force on tiny widths (both
words modelled at their own widths: the value mod 2**W, the field mod
2**32), and the 24-bit answers at orders 9 and 13 through ``verify``."""

from __future__ import annotations

import itertools
import json

import pytest

from rmaplab.cli import main
from rmaplab.encodings import mapcount_encoding
from rmaplab.encodings.mapcount import MAPCOUNT_BITS


def run(capsys, argv: str):
    rc = main(argv.split())
    return rc, capsys.readouterr()


def fooled(enc, order: int) -> bool:
    """Brute force: a victim x (c_x >= 1) and others with total n <= P whose
    value and mapcount field both equal n * (x's addends), each word
    wrapping at its own width."""
    P = 1 << order
    ids = range(1 << enc.id_bits)
    adds = {v: (enc.word_addend(0, v), enc.word_addend(1, v)) for v in ids}
    mods = (1 << enc.word_bits, 1 << MAPCOUNT_BITS)
    for x in ids:
        others = [v for v in ids if v != x]
        for k in range(1, P):
            for combo in itertools.combinations_with_replacement(others, k):
                for cx in range(1, P - k + 1):
                    n = cx + k
                    if all(
                        (cx * adds[x][i] + sum(adds[v][i] for v in combo)) % mods[i]
                        == n * adds[x][i] % mods[i]
                        for i in range(2)
                    ):
                        return True
    return False


@pytest.mark.parametrize(("id_bits", "word_bits", "order"), [(3, 32, 2), (3, 32, 3), (4, 40, 2)])
def test_family_matches_brute_force(id_bits, word_bits, order):
    from rmaplab.certify import verify_encoding

    enc = mapcount_encoding(id_bits, word_bits, order)
    v = verify_encoding(enc, order)
    assert v.verdict == "safe"
    assert not fooled(enc, order)


@pytest.mark.parametrize("order", [9, 13])
def test_24_bit_ids_verify(capsys, order):
    rc, out = run(
        capsys,
        "verify --encoding mapcount-word --id-bits 24 --word-bits 64 "
        f"--max-order {order} --all --json",
    )
    rows = json.loads(out.out)
    assert rc == 0 and all(r["verdict"] == "safe" for r in rows)
    cert = rows[-1]["certificate"]
    # the lemma, recomputed: per word prod((P - 1) R_j + 1) within its width
    P = 1 << order
    for w in cert["words"]:
        need = 1
        for j in w["fields"]:
            need *= (P - 1) * cert["ranges"][j] + 1
        assert need <= 1 << w["word_bits"]
    assert [w["word_bits"] for w in cert["words"]] == [64, 32]


def test_design_mapcount_json(capsys):
    rc, out = run(
        capsys,
        "design --id-bits 24 --word-bits 64 --min-order 9 --max-order 16 --mapcount-bits 32 --json",
    )
    rows = {r["order"]: r for r in json.loads(out.out)}
    assert rc == 0
    assert rows[9]["exact"] and rows[13]["exact"] and not rows[16]["exact"]
    assert rows[9]["max_order"] == 15
    assert rows[13]["verify_command"].startswith("rmaplab verify --encoding mapcount-word")
    assert any("folio_large_mapcount" in r for r in rows[9]["readers_to_mask"])
    assert rows[9]["keeps_count_range"]


def test_design_mapcount_zero_is_today(capsys):
    rc, out = run(capsys, "design --id-bits 24 --word-bits 64 --max-order 9 --mapcount-bits 16")
    assert rc == 0 and "exact up to order 8" in out.out
    # 4-bit ids: the same orders and word, without the 20 s (as Python) 8-bit order-2 search
    rc, out = run(capsys, "design --id-bits 4 --word-bits 16 --max-order 2 --json")
    assert rc == 0 and "mapcount_bits" not in json.loads(out.out)[0]


def test_design_mapcount_bits_out_of_range(capsys):
    rc, out = run(capsys, "design --id-bits 24 --word-bits 64 --max-order 13 --mapcount-bits 63")
    assert rc == 2 and "--mapcount-bits" in out.err
    rc, out = run(capsys, "design --id-bits 24 --word-bits 64 --max-order 13 --mapcount-bits 52")
    assert rc == 2 and "--mapcount-bits=52 is out of range" in out.err


def test_family_needs_32_bit_words(capsys):
    rc, out = run(
        capsys, "verify --encoding mapcount-word --id-bits 4 --word-bits 16 --max-order 2 --order 2"
    )
    assert rc == 2 and "word_bits (mapcount-word)=16 is out of range" in out.err


def test_one_value_json_has_growth_law(capsys):
    rc, out = run(capsys, "one-value --word-bits 64 --order 9 --json")
    g = json.loads(out.out)["growth_law"]
    assert rc == 0 and g["kind"] == "conjecture"
    preds = g["predictions"]
    assert [p["id_bits"] for p in preds] == [22, 24, 31]
    orders = [p["order"] for p in preds]
    assert orders == sorted(orders, reverse=True) and all(p["kind"] == "conjecture" for p in preds)
    # the conjecture never claims less than what is proven (19 bits at order 9)
    assert preds[0]["log2_pages"] < 9 <= g["predictions"][0]["log2_pages"] + 3
