/*
 * rmaplab bench-microbench: replay one micro-benchmark's operation mix on
 * one folio through one design's C path (designs.c, compiled before this
 * file as one unit), single-threaded.
 *
 * An op is four int32s: kind, mm (index into ids/addends), first page, nr.
 * Every design keeps the legacy per-page mapcounts (as the WIP v1 series
 * and 6.15 with CONFIG_PAGE_MAPCOUNT do) and adds its own folio-wide
 * update: values (seqcount + mapcount + K words, atomic or the
 * exclusive-writer path) or mm-owner (bit spinlock, slots, bit, total).
 * A PMD mapping counts 1 (the entire mapcount, and 1 in the total), as in
 * the kernel. OP_FAULT is a write fault on page `first` by mm: the design's
 * check; "shared" copies (the page is unmapped from this folio), exclusive
 * reuses. Legacy always copies: v6.7 reused no large anon folio (its
 * refcount, one per mapping, exceeds the reuse limit).
 */
#include <stdlib.h>
#include <time.h>

enum { OP_MAP_PTE = 0, OP_UNMAP_PTE = 1, OP_MAP_PMD = 2, OP_UNMAP_PMD = 3, OP_FAULT = 4 };

static inline __attribute__((always_inline)) void
mb_update(struct folio *f, const int design, const int k, const int plain, uint64_t id,
	  const uint64_t *a, int first, int nr, int pmd, int sign)
{
	int32_t c = pmd ? sign : sign * nr;	/* mappings: a PMD is one */

	if (pmd)
		legacy_pmd(f, sign);
	else
		legacy_ptes(f, first, nr, sign);
	if (design == DESIGN_MM_OWNER) {
		mmo_update(f, id, c);
	} else if (design == DESIGN_VALUES) {
		uint64_t sa[MAX_VALUES];

		for (int v = 0; v < k; v++)
			sa[v] = (uint64_t)(int64_t)c * a[v];
		values_update(f, k, plain, c, sa);
	}
}

static inline __attribute__((always_inline)) int
mb_check(struct folio *f, const int design, const int k, const uint64_t *a)
{
	if (design == DESIGN_MM_OWNER)
		return mmo_check(f);
	if (design == DESIGN_VALUES)
		return values_check(f, k, a, FOLIO_PAGES);
	return 1;	/* legacy: v6.7 copies a large folio on a write fault */
}

static inline __attribute__((always_inline)) void
mb_ops(struct folio *f, const int design, const int k, const int plain, const int32_t *ops,
       int64_t lo, int64_t hi, const uint64_t *ids, const uint64_t *addends, int8_t *answers)
{
	for (int64_t i = lo; i < hi; i++) {
		const int32_t *op = ops + 4 * i;
		int kind = op[0], first = op[2], nr = op[3];
		uint64_t id = ids[op[1]];
		const uint64_t *a = addends + MAX_VALUES * op[1];

		switch (kind) {
		case OP_MAP_PTE:
			mb_update(f, design, k, plain, id, a, first, nr, 0, 1);
			break;
		case OP_UNMAP_PTE:
			mb_update(f, design, k, plain, id, a, first, nr, 0, -1);
			break;
		case OP_MAP_PMD:
			mb_update(f, design, k, plain, id, a, 0, 0, 1, 1);
			break;
		case OP_UNMAP_PMD:
			mb_update(f, design, k, plain, id, a, 0, 0, 1, -1);
			break;
		default: {
			int shared = mb_check(f, design, k, a);

			answers[i] = (int8_t)shared;
			if (shared)
				mb_update(f, design, k, plain, id, a, first, 1, 0, -1);
		}
		}
	}
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static inline __attribute__((always_inline)) void
mix_reps(struct folio *f, const int design, const int k, const int plain,
		     const int32_t *ops, int64_t n_setup, int64_t n_ops, int64_t reps,
		     const uint64_t *ids, const uint64_t *addends, int8_t *answers, double *out_ns)
{
	for (int64_t r = 0; r < reps; r++) {
		folio_clear(f);
		mb_ops(f, design, k, plain, ops, 0, n_setup, ids, addends, answers);
		double t0 = now_ns();

		mb_ops(f, design, k, plain, ops, n_setup, n_ops, ids, addends, answers);
		out_ns[r] = now_ns() - t0;
	}
}

/*
 * Replay ops[0:n_setup] (not timed) then ops[n_setup:n_ops] (timed), reps
 * times from a clear folio. out_ns[r]: rep r's timed section in ns, minus
 * the timer's own cost (out_ns[reps]: the cheapest empty section). answers
 * (n_ops, -1 where no fault) and out_state (state_words()) hold the last
 * rep's. Returns 0, or -1 on bad arguments.
 */
int mix_run(int design, int k, int plain, const uint64_t *ids, const uint64_t *addends,
	    const int32_t *ops, int64_t n_setup, int64_t n_ops, int64_t reps, int8_t *answers,
	    double *out_ns, int64_t *out_state)
{
	struct folio *f;
	double empty = 1e18;

	if (design < 0 || design >= NR_DESIGNS || k < 0 || k > MAX_VALUES || reps < 1)
		return -1;
	if (plain && design != DESIGN_VALUES)
		return -1;
	if (n_setup < 0 || n_setup > n_ops)
		return -1;
	for (int64_t i = 0; i < n_ops; i++) {
		const int32_t *op = ops + 4 * i;

		if (op[0] < OP_MAP_PTE || op[0] > OP_FAULT || op[1] < 0 || op[2] < 0 || op[3] < 0 ||
		    op[2] + op[3] > FOLIO_PAGES)
			return -1;
		answers[i] = -1;
	}
	if (posix_memalign((void **)&f, 64, sizeof(*f)))
		return -1;
	for (int r = 0; r < 64; r++) {
		double t0 = now_ns(), t1 = now_ns();

		if (t1 - t0 < empty)
			empty = t1 - t0;
	}
	if (design == DESIGN_MM_OWNER)
		mix_reps(f, DESIGN_MM_OWNER, 0, 0, ops, n_setup, n_ops, reps, ids, addends, answers,
			 out_ns);
	else if (design == DESIGN_LEGACY)
		mix_reps(f, DESIGN_LEGACY, 0, 0, ops, n_setup, n_ops, reps, ids, addends, answers,
			 out_ns);
	else if (plain)
		mix_reps(f, DESIGN_VALUES, k, 1, ops, n_setup, n_ops, reps, ids, addends, answers,
			 out_ns);
	else
		mix_reps(f, DESIGN_VALUES, k, 0, ops, n_setup, n_ops, reps, ids, addends, answers,
			 out_ns);
	for (int64_t r = 0; r < reps; r++)
		out_ns[r] = out_ns[r] > empty ? out_ns[r] - empty : 0;
	out_ns[reps] = empty;
	folio_state(f, out_state);
	free(f);
	return 0;
}
