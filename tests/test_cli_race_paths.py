"""``race`` on the 32-bit word layout with and without the seqcount,
``race_json`` replaying its own example, ``--litmus`` refusals, ``configs
--json``; the JIT off, about two seconds.

Expected values: the seqcount's claim (a reader never returns a wrong
'exclusive'), its absence's (a torn read can), the example replayed to a
wrong answer, the 32-bit layout's 7 + 1 + 24 bits, the posted series'
24-bit ids in 64-bit words; one-line errors with exit 2.
"""

import json

import pytest

from rmaplab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _flat(s):
    return " ".join(s.split())


def test_race_32bit_layout_seqcount_against_none(capsys):
    code, out, _ = run(
        capsys, "race", "--scenario", "mom-2mm-2w", "--protocol", "none", "--layout", "32"
    )
    assert code == 0
    flat = _flat(out)
    # 32 bits: the writer bits, one exclusive bit, the rest sequence
    assert "word layout 32: 7 shared-writer bits, exclusive bit 7, 24 sequence bits" in flat
    assert "complete (every interleaving explored)" in flat
    fe = int(flat.split("false exclusive: ")[1].split()[0])
    assert fe >= 1 and "shortest false exclusive" in flat
    code, out, _ = run(
        capsys,
        *("race", "--scenario", "mom-2mm-2w", "--protocol", "seqcount", "--layout", "32"),
    )
    assert code == 0 and "false exclusive: 0 " in out


def test_race_json_replays_its_own_example():
    from rmaplab.cli.race import race_json
    from rmaplab.race import explore

    r = explore("mom-2mm-2w", "none")
    d = race_json(r)  # no steps given: replayed here
    assert r.false_exclusive >= 1 and d["example"]
    cpus = [s["cpu"] for s in d["example"]]
    # two writers and the reader all move; the reader moves last (it returns)
    assert {"R", "W0", "W1"} <= set(cpus) and cpus[-1] == "R"
    assert len(d["example"]) == len(r.example)


def test_litmus_refusals(capsys, tmp_path, monkeypatch):
    f = tmp_path / "file"
    f.write_text("x")
    code, out, err = run(capsys, "race", "--litmus", str(f))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--litmus" in err
    monkeypatch.delenv("RMAPLAB_LKMM", raising=False)
    herd = tmp_path / "herd7"
    herd.write_text("#!/bin/sh\n")
    herd.chmod(0o755)
    code, out, err = run(
        capsys,
        *("race", "--litmus", str(tmp_path / "lit"), "--herd7", str(herd)),
        *("--lkmm", str(tmp_path / "nowhere")),
    )
    assert code == 2 and out == ""
    assert "no linux-kernel.cfg there" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_configs_name_the_posted_series(capsys, fmt):
    code, out, _ = run(capsys, "configs", *(["--json"] if fmt == "json" else []))
    assert code == 0
    if fmt == "json":
        rows = {r["name"]: r for r in json.loads(out)}
        v1 = rows["wip-v1"]
        assert (v1["id_bits"], v1["word_bits"], v1["orders"]) == (24, 64, "0..15")
    else:
        assert "wip-v1" in out
