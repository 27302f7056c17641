"""Bounds on ``M(B, W)`` from above and below with the second search
(:mod:`rmaplab.onevalue.search2`): chunked, resumable, local or on dask.

``decide(bits, W, g)`` answers "is ``M(B, W) > g``?":

* ``found``: a set with ``N' > g`` (at width W, or at a narrower width
  w, lifted: the same integers in W bits never lower ``N'``), so
  ``M(B, W) >= g + 1``;
* ``none``: every chunk of the {0, 1}-sets at every width ``w = W, W -
  1, ..., B`` completed without a find: a set with ``N' > g`` would have
  an odd difference at some width after halving all-even sets (each
  halving keeps ``N'``), and then be a {0, 1}-set there. So ``M(B, W) <=
  g``;
* ``undecided``: some chunk stopped at its node budget, or the time
  budget ran out.

Chunks split the third-smallest value's range; each chunk's result is
written to a JSON state file as it finishes, so a run resumes where it
stopped (chunks that stopped are run again, with the budget given).
With ``client`` (a ``dask.distributed.Client``) the chunks run on its
workers; the answer does not depend on where they ran.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from . import search2

__all__ = ["decide", "exact_cell"]


def _chunk(bits: int, w: int, g: int, lo: int, hi: int, max_nodes: int) -> dict:
    r = search2.search(bits, w, g, max_nodes=max_nodes, third=(lo, hi))
    return {"status": r.status, "nodes": r.nodes, "table": r.table, "seconds": r.seconds}


def _edges(w: int, chunks: int) -> list[tuple[int, int]]:
    top = 1 << w
    step = max(1, -(-(top - 2) // chunks))
    e = [*range(2, top, step), top]
    return list(itertools.pairwise(e))


def decide(
    bits: int,
    word_bits: int,
    g: int,
    chunks: int = 16,
    max_nodes: int = 10**7,
    seconds: float | None = None,
    client: Any = None,
    state: str | Path | None = None,
    progress: bool = False,
) -> dict:
    """``{"answer": "found" | "none" | "undecided", "g", "nodes", "chunks_done",
    "chunks", "table", "width", "seconds"}`` (see the module docstring)."""
    t0 = time.monotonic()
    saved: dict = {}
    path = Path(state) if state else None
    if path is not None and path.exists():
        saved = json.loads(path.read_text())
    jobs = [
        (bits, w, g, lo, hi)
        for w in range(word_bits, bits - 1, -1)
        # N' <= 2**w (2**w copies of any difference sum to 0): no set of
        # width w beats g >= 2**w, nothing to search there
        if g < 1 << w
        for lo, hi in _edges(w, chunks)
    ]
    key = lambda j: ",".join(str(x) for x in j)  # noqa: E731
    todo = [j for j in jobs if saved.get(key(j), {}).get("status") not in ("none", "found")]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(jobs), initial=len(jobs) - len(todo), desc=f"B={bits} W={word_bits} g={g}"
        )

    def record(j, res):
        saved[key(j)] = res
        if path is not None:
            path.write_text(json.dumps(saved, sort_keys=True))
        if bar is not None:
            bar.update()

    out_of_time = False
    if client is None:
        for j in todo:
            if seconds is not None and time.monotonic() - t0 > seconds:
                out_of_time = True
                break
            res = _chunk(*j, max_nodes)
            record(j, res)
            if res["status"] == "found":
                break
    else:
        from dask.distributed import as_completed

        futs = {client.submit(_chunk, *j, max_nodes, pure=False): j for j in todo}
        for fut in as_completed(list(futs)):
            record(futs[fut], fut.result())
            if seconds is not None and time.monotonic() - t0 > seconds:
                out_of_time = True
                client.cancel(list(futs))
                break
    if bar is not None:
        bar.close()
    results = [saved.get(key(j)) for j in jobs]
    found = [(j, r) for j, r in zip(jobs, results, strict=True) if r and r["status"] == "found"]
    done = sum(1 for r in results if r and r["status"] in ("none", "found"))
    if found:
        answer = "found"
    elif done == len(jobs) and not out_of_time:
        answer = "none"
    else:
        answer = "undecided"
    return {
        "answer": answer,
        "g": g,
        "nodes": sum(r["nodes"] for r in results if r),
        "chunks_done": done,
        "chunks": len(jobs),
        "table": found[0][1]["table"] if found else None,
        "width": found[0][0][1] if found else None,
        "seconds": time.monotonic() - t0,
    }


def exact_cell(bits: int, word_bits: int, value: int, **kw) -> dict:
    """Reproduce ``M(B, W) = value``: ``M > value - 1`` (found) and
    ``M <= value`` (none)."""
    low = decide(bits, word_bits, value - 1, **kw)
    up = decide(bits, word_bits, value, **kw)
    return {
        "slice_bits": bits,
        "word_bits": word_bits,
        "lower": value if low["answer"] == "found" else None,
        "upper": value if up["answer"] == "none" else None,
        "exact": low["answer"] == "found" and up["answer"] == "none",
        "nodes": low["nodes"] + up["nodes"],
        "seconds": round(low["seconds"] + up["seconds"], 1),
        "witness": low["table"],
    }
