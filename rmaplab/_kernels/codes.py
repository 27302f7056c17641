"""Named constants shared by the kernels and the Python layers.

numba freezes a module-level int into a compile-time constant, so a kernel
testing ``op == OP_COW`` costs the same as ``op == 4``; Python code maps
names to these codes through the dicts below instead of defining them again.
"""

from __future__ import annotations

import numpy as np

# -- operations of a scheme-replay workload (rmaplab.workloads) ----------------
OP_MAP = 0  # map pages a..a+b-1 of a folio
OP_UNMAP = 1  # unmap them (pages already gone are skipped)
OP_FORK = 2  # the mm's child (a) maps every page the mm maps
OP_EXIT = 3  # the mm unmaps everything
OP_COW = 4  # write fault on page a: check, and copy when truly shared
OP_CODES = {"map": OP_MAP, "unmap": OP_UNMAP, "fork": OP_FORK, "exit": OP_EXIT, "cow": OP_COW}

# -- rows of the scheme-replay stats array -------------------------------------
ROW_LEGACY = 0
ROW_TOTAL_MAPCOUNT = 1
ROW_OWNER_COUNTER = 2
ROW_MM_OWNER = 3
ROW_BIT_COUNTERS = 4
ROW_RMAP_ID = 5
SCHEME_ROWS = ("legacy", "total-mapcount", "owner-counter", "mm-owner", "bit-counters", "rmap-id")
N_SCHEMES = len(SCHEME_ROWS)
# columns of a stats row
COL_CHECKS = 0
COL_FALSE_EXCLUSIVE = 1
COL_FALSE_SHARED = 2

# -- status of a scheme replay ---------------------------------------------------
STATUS_OK = 0
STATUS_PAGES_OUT_OF_RANGE = 1
STATUS_ALREADY_MAPPED = 2
STATUS_BAD_KIND = 3
STATUS_MESSAGES = {
    STATUS_PAGES_OUT_OF_RANGE: "pages are out of range",
    STATUS_ALREADY_MAPPED: "the mm already maps some of those pages",
    STATUS_BAD_KIND: "unknown kind",
}

# -- Monte Carlo populations (rmaplab.collide) and addend rules --------------------
POP_UNIFORM = 0
POP_LOWEST_FREE = 1
POP_FORK_TREE = 2
POP_CODES = {"uniform": POP_UNIFORM, "lowest-free": POP_LOWEST_FREE, "fork-tree": POP_FORK_TREE}

#: Addend rules: how a kernel turns an id into word k's addend. Every
#: family's kernel plan (rmaplab.encodings.KernelPlan) names one of these.
RULE_DIGITS = 0  # binary digits of id slices read in a base (the series' calc_rmap_subid)
RULE_RAW = 1  # the raw id in one value
RULE_HASH = 2  # splitmix64 of the id, per value
RULE_TABLE = 3  # a per-word addend table indexed by the slice value (slices <= 16 bits)
RULE_POWERS = 4  # powers of a slice, v**p mod 2**W (or packed: sum_j v**p_j * base**j)
#: Widest id a one-word RULE_TABLE covers (2**22 entries, 32 MiB): the
#: one-value families' plan for ids wider than 16 bits.
MAX_WIDE_TABLE_BITS = 22
RULE_CODES = {
    "digits": RULE_DIGITS,
    "raw": RULE_RAW,
    "hash": RULE_HASH,
    "table": RULE_TABLE,
    "powers": RULE_POWERS,
}

#: splitmix64's step: the generator's increment and the hash encoding's
#: per-value offset (Python int; kernels use ``np.uint64(GOLDEN)``).
GOLDEN = 0x9E3779B97F4A7C15

# -- answers of a check ------------------------------------------------------------
ANSWER_NONE = -1
ANSWER_EXCLUSIVE = 0
ANSWER_SHARED = 1

U64_GOLDEN = np.uint64(GOLDEN)

# -- status of the all-tables frontier search (rmaplab.frontier_tables) ---------------
FRONTIER_COMPLETE = 0  # every table was covered: the best N' is exact
FRONTIER_STOPPED = 1  # the node budget ran out: the best N' is a lower bound
