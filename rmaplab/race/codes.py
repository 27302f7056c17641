"""Shared names of the race model: the posted word layout, protocols, stage codes."""

from __future__ import annotations

__all__ = [
    "DEFAULT_MAX_STATES",
    "EXCL",
    "PROTOCOLS",
    "SEQ_STEP",
    "SEQ_WORD_MASK",
    "SHARED_BITS",
    "WRITERS_MASK",
]

#: 64-bit layout of the posted ``raw_atomic_seqcount_t`` word.
SHARED_BITS = 16
EXCL = 1 << SHARED_BITS
WRITERS_MASK = (1 << (SHARED_BITS + 1)) - 1  # shared count and the exclusive flag
SEQ_STEP = 1 << (SHARED_BITS + 1)
SEQ_WORD_MASK = (1 << 64) - 1

PROTOCOLS: dict[str, str] = {
    "none": "no seqcount: atomic RMW updates, the reader reads once",
    "seqcount": "as posted: shared/exclusive writers, reader waits and retries",
    "no-wait": "broken: reader does not wait for writers, only re-checks the word",
    "early-end": "broken: writer ends its section before the last value update",
    "no-excl-wait": "broken: shared writer does not wait for the exclusive writer",
    "mm-owner": "6.15 as merged: slots and bit under a bit lock, reader unlocked",
}

#: Default budget of distinct states; past it the result says complete=False.
DEFAULT_MAX_STATES = 2_000_000

# Writer stages.
W_LOAD, W_CAS, W_ADD, W_SPIN, W_BODY, W_XBODY, W_DONE = range(7)
# Reader stages.
R_BEGIN, R_N, R_V, R_RETRY, R_DONE = range(5)
# Reader answers (also the "result" once returned).
ANS_NONE, ANS_SHARED, ANS_EXCL = 0, 1, 2
MAPCOUNT = -1  # body target meaning the total mapcount (values are 0..K-1)
