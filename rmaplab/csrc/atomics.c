/*
 * rmaplab bench-atomics: the rmap-ID update path, measured, per encoding.
 *
 * One update = what the WIP v1 series does when (un)mapping part of a large
 * folio: the atomic seqcount write side (two RMWs), one atomic add to the
 * total mapcount and one atomic add of c * addend per rmap value. Values are
 * laid out as in the series: contiguous 64-bit words starting at a 64-byte
 * line, so values 0..3 share one line and 4..7 the next. "plain" is the
 * exclusive-writer path: ordinary loads and stores instead of RMWs (compiler
 * barriers keep the stores, as READ_ONCE/WRITE_ONCE). With two threads both
 * update the same folio, as two mms (un)mapping the same THP concurrently
 * would.
 *
 * The addends are what distinguishes the encodings. Each thread cycles over
 * NR_MMS mms (so nothing is loop-invariant) and gets the K addends of the
 * updating mm either
 *   - per mm ("cached"): computed once when the mm is set up, as the series
 *     does with calc_rmap_subid() at rmap-ID allocation for K <= 3, and loaded
 *     from the mm on every update; or
 *   - per update: computed from the mm's id on every update by one of the
 *     KERNEL_* functions below, as an rmap add/remove path would without a
 *     cache in mm_struct.
 *
 * Besides the rmap-value encodings, the same harness runs the other designs
 * of designs.c (compiled before this file, as one unit): Linux 6.15's
 * MM-owner tracking (bit spinlock, slot compare/update, total mapcount) and
 * legacy per-page mapcounts (nr atomic adds, one per page). Neither has an
 * exclusive-writer path. A check loop times each design's question.
 *
 * The final words are returned so the Python-int model in rmaplab.atomics can
 * check every kernel (tests compare, they do not time).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define ID_BITS 24	/* rmap IDs of the series: [1, 2^24 - 1] */
#define NR_MMS 64	/* mms per thread; a power of two (index by mask) */
#define MAX_THREADS 8
#define CHECK_PAGES 8	/* the check's folio: mapped by one mm, 8 pages */

/* Named kernel ids, shared with rmaplab/atomics.py through kernel_name(). */
enum {
	KERNEL_TABLE = 0,	/* a[v] = table[slice_v(x)]: rmap_subids_K or any w[s] */
	KERNEL_POWERS = 1,	/* a[v] = x^(v+1): the whole id's powers 1..K */
	KERNEL_QUADRATIC = 2,	/* a[v] = s + (s*s << shift), s = slice_v(x) */
	KERNEL_CALC = 3,	/* a[v] = calc_rmap_subid(n, slice_v(x)); per mm only */
	NR_KERNELS
};

const char *kernel_name(int kernel)
{
	static const char *const names[NR_KERNELS] = {
		[KERNEL_TABLE] = "table",
		[KERNEL_POWERS] = "powers",
		[KERNEL_QUADRATIC] = "quadratic",
		[KERNEL_CALC] = "calc_rmap_subid",
	};
	return kernel >= 0 && kernel < NR_KERNELS ? names[kernel] : 0;
}

struct mm {
	uint64_t addend[MAX_VALUES];	/* the per-mm cache */
	uint32_t id;
};

struct job {
	struct folio *f;
	struct mm *mms;		/* NR_MMS of this thread's mms */
	struct mm *mms0;	/* thread 0's (the check asks for its mm 0) */
	const uint64_t *table;	/* 2^bits entries (KERNEL_TABLE) */
	int design, kernel, k, cached, plain, shift, check;
	int64_t iters;
	int64_t shared;		/* check loop: "shared" answers */
	pthread_barrier_t *start;
	double t0, t1;		/* CLOCK_MONOTONIC ns: this thread's own interval */
	double cpu_ns;		/* ... of which it ran on a CPU */
};

/* The kernel's calc_rmap_subid(): binary digits of i read in base n + 1. */
static uint64_t calc_rmap_subid(uint64_t n, uint64_t i)
{
	uint64_t nr = 0, mult = 1;

	while (i) {
		if (i & 1)
			nr += mult;
		mult *= n + 1;
		i >>= 1;
	}
	return nr;
}

/*
 * c * addend_v(x) for v < k into sa[]. Inlined with constant kernel and k,
 * so each (kernel, K) loop is compiled as a kernel would compile its group.
 */
static inline __attribute__((always_inline)) void
scaled_addends(const int kernel, const int k, uint64_t x, uint64_t c, const uint64_t *table,
	       int shift, uint64_t *sa)
{
	const int bits = (ID_BITS + k - 1) / k;
	const uint64_t mask = (UINT64_C(1) << bits) - 1;

	if (kernel == KERNEL_POWERS) {
		uint64_t p = c * x;	/* c*x, c*x*x: one multiply per word */

		for (int v = 0; v < k; v++) {
			sa[v] = p;
			p *= x;
		}
	} else if (kernel == KERNEL_QUADRATIC) {
		for (int v = 0; v < k; v++) {
			uint64_t s = (x >> (v * bits)) & mask;

			sa[v] = c * (s + ((s * s) << shift));
		}
	} else {
		for (int v = 0; v < k; v++)
			sa[v] = c * table[(x >> (v * bits)) & mask];
	}
}

/* The per-mm cache, filled once per mm (not timed). */
static void fill_cache(struct mm *mm, int kernel, int k, const uint64_t *table, int shift,
		       uint64_t base_pages)
{
	const int bits = (ID_BITS + k - 1) / k;
	const uint64_t mask = (UINT64_C(1) << bits) - 1;

	for (int v = 0; v < MAX_VALUES; v++)
		mm->addend[v] = 0;
	if (kernel == KERNEL_CALC) {
		for (int v = 0; v < k; v++)
			mm->addend[v] = calc_rmap_subid(base_pages, (mm->id >> (v * bits)) & mask);
		return;
	}
	/* the same functions as the per-update path, with c = 1 */
	switch (kernel) {
	case KERNEL_POWERS:
		for (int v = 0, p = 0; v < k; v++, p++) {
			uint64_t w = mm->id;

			for (int e = 0; e < p; e++)
				w *= mm->id;
			mm->addend[v] = w;
		}
		break;
	case KERNEL_QUADRATIC:
		for (int v = 0; v < k; v++) {
			uint64_t s = (mm->id >> (v * bits)) & mask;

			mm->addend[v] = s + ((s * s) << shift);
		}
		break;
	default:
		for (int v = 0; v < k; v++)
			mm->addend[v] = table[(mm->id >> (v * bits)) & mask];
	}
}

static inline __attribute__((always_inline)) void
loop(struct job *j, const int kernel, const int k, const int cached, const int plain)
{
	struct folio *f = j->f;
	const struct mm *mms = j->mms;
	const uint64_t *table = j->table;
	const int shift = j->shift;
	const int64_t iters = j->iters;

	for (int64_t i = 0; i < iters; i++) {
		/* map nr pages, then unmap nr pages by the next mm: not a no-op */
		uint64_t u = (uint64_t)i;
		const struct mm *mm = &mms[(u + (u >> 6)) & (NR_MMS - 1)];
		uint64_t nr = 1 + ((u >> 1) & 7);
		uint64_t c = (u & 1) ? -nr : nr;	/* unsigned long arithmetic: wraps */
		uint64_t sa[MAX_VALUES];

		if (cached) {
			for (int v = 0; v < k; v++)
				sa[v] = c * mm->addend[v];
		} else {
			scaled_addends(kernel, k, mm->id, c, table, shift, sa);
		}
		values_update(f, k, plain, (int32_t)c, sa);
	}
}

/* The other designs' update loop: the same op sequence, no rmap values. */
static inline __attribute__((always_inline)) void loop_design(struct job *j, const int design)
{
	struct folio *f = j->f;
	const struct mm *mms = j->mms;
	const int64_t iters = j->iters;

	for (int64_t i = 0; i < iters; i++) {
		uint64_t u = (uint64_t)i;
		const struct mm *mm = &mms[(u + (u >> 6)) & (NR_MMS - 1)];
		int32_t nr = 1 + ((u >> 1) & 7);

		if (design == DESIGN_MM_OWNER)
			mmo_update(f, mm->id, (u & 1) ? -nr : nr);
		else
			legacy_ptes(f, 0, nr, (u & 1) ? -1 : 1);
	}
}

/* The check loop: every iteration asks the question for mm 0 of thread 0. */
static inline __attribute__((always_inline)) void
loop_check(struct job *j, const int design, const int kernel, const int k, const int cached)
{
	struct folio *f = j->f;
	const struct mm *mm = j->mms0;
	const int64_t iters = j->iters;
	int64_t shared = 0;

	for (int64_t i = 0; i < iters; i++) {
		if (design == DESIGN_MM_OWNER) {
			shared += mmo_check(f);
		} else if (design == DESIGN_LEGACY) {
			shared += legacy_check(f);
		} else {
			uint64_t a[MAX_VALUES];

			if (cached) {
				for (int v = 0; v < k; v++)
					a[v] = mm->addend[v];
			} else {
				scaled_addends(kernel, k, mm->id, 1, j->table, j->shift, a);
			}
			shared += values_check(f, k, a, FOLIO_PAGES);
		}
	}
	j->shared = shared;
}

/* One instantiation per K (1..8) of a (kernel, cached, plain) loop. */
#define LOOP_KS(kernel, cached, plain)                      \
	switch (j->k) {                                     \
	case 1: loop(j, kernel, 1, cached, plain); break;   \
	case 2: loop(j, kernel, 2, cached, plain); break;   \
	case 3: loop(j, kernel, 3, cached, plain); break;   \
	case 4: loop(j, kernel, 4, cached, plain); break;   \
	case 5: loop(j, kernel, 5, cached, plain); break;   \
	case 6: loop(j, kernel, 6, cached, plain); break;   \
	case 7: loop(j, kernel, 7, cached, plain); break;   \
	case 8: loop(j, kernel, 8, cached, plain); break;   \
	}

#define LOOP_PLAIN(kernel, cached)                          \
	do {                                                \
		if (j->plain)                               \
			LOOP_KS(kernel, cached, 1)          \
		else                                        \
			LOOP_KS(kernel, cached, 0)          \
	} while (0)

#define CHECK_K(kernel, cached, k) loop_check(j, DESIGN_VALUES, kernel, k, cached)
#define LOOP_CHECK(kernel, cached)                                              \
	do {                                                                    \
		switch (j->k) {                                                 \
		case 1: CHECK_K(kernel, cached, 1); break;                      \
		case 2: CHECK_K(kernel, cached, 2); break;                      \
		case 3: CHECK_K(kernel, cached, 3); break;                      \
		case 4: CHECK_K(kernel, cached, 4); break;                      \
		case 5: CHECK_K(kernel, cached, 5); break;                      \
		case 6: CHECK_K(kernel, cached, 6); break;                      \
		case 7: CHECK_K(kernel, cached, 7); break;                      \
		case 8: CHECK_K(kernel, cached, 8); break;                      \
		}                                                               \
	} while (0)

static void *worker(void *arg)
{
	struct job *j = arg;
	struct timespec t0, t1, c0, c1;

	pthread_barrier_wait(j->start);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if (j->check && j->design == DESIGN_MM_OWNER)
		loop_check(j, DESIGN_MM_OWNER, 0, 0, 0);
	else if (j->check && j->design == DESIGN_LEGACY)
		loop_check(j, DESIGN_LEGACY, 0, 0, 0);
	else if (j->check && j->cached)
		LOOP_CHECK(KERNEL_TABLE, 1);
	else if (j->check && j->kernel == KERNEL_POWERS)
		LOOP_CHECK(KERNEL_POWERS, 0);
	else if (j->check && j->kernel == KERNEL_QUADRATIC)
		LOOP_CHECK(KERNEL_QUADRATIC, 0);
	else if (j->check)
		LOOP_CHECK(KERNEL_TABLE, 0);
	else if (j->design == DESIGN_MM_OWNER)
		loop_design(j, DESIGN_MM_OWNER);
	else if (j->design == DESIGN_LEGACY)
		loop_design(j, DESIGN_LEGACY);
	else if (j->cached)
		LOOP_PLAIN(KERNEL_TABLE, 1);	/* kernel unused: loads the cache */
	else if (j->kernel == KERNEL_POWERS)
		LOOP_PLAIN(KERNEL_POWERS, 0);
	else if (j->kernel == KERNEL_QUADRATIC)
		LOOP_PLAIN(KERNEL_QUADRATIC, 0);
	else
		LOOP_PLAIN(KERNEL_TABLE, 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j->t0 = t0.tv_sec * 1e9 + t0.tv_nsec;
	j->t1 = t1.tv_sec * 1e9 + t1.tv_nsec;
	j->cpu_ns = (c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec);
	return NULL;
}

/*
 * Run iters updates per thread on one folio and return nanoseconds per
 * update: the slowest thread's own CPU time over its iterations, so time the
 * scheduler gives to other processes on a shared machine is not counted
 * (each thread times itself, so a descheduled main thread cannot shorten the
 * measurement either), or -1 on bad arguments. out_wall_ns receives the
 * same from elapsed (CLOCK_MONOTONIC) time, which equals it on an idle
 * machine.
 *
 * kernel: the per-update KERNEL_* (not KERNEL_CALC); cache_kernel: the one
 * that fills the per-mm cache when cached != 0. ids: threads * NR_MMS rmap
 * IDs. table: 2^bits entries, bits = ceil(ID_BITS / k), for KERNEL_TABLE.
 * out_values (MAX_VALUES words) and out_seq_mapcount (2) receive the folio's
 * final state; out_cpu_share estimates the fraction of the slowest thread's
 * elapsed time during which all threads were on a CPU at once: the overlap
 * of their intervals times the smallest share of its own interval a thread
 * ran. Near 1 with 2 threads: they really ran concurrently; well below 1,
 * the machine was busy and they took turns, which understates contention.
 */
double bench_case(int design, int check, int kernel, int cache_kernel, int k, int cached,
		  int plain, int threads, int64_t iters, const uint32_t *ids, const uint64_t *table,
		  int shift, uint64_t base_pages, uint64_t *out_values, int32_t *out_seq_mapcount,
		  double *out_cpu_share, double *out_wall_ns, int64_t *out_state,
		  int64_t *out_shared)
{
	struct folio *f;
	struct mm *mms;
	struct job jobs[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	pthread_barrier_t start;
	double worst = 0, worst_cpu = 0, start_max = 0, end_min = 0, ran_min = 1;

	if (k < 1 || k > MAX_VALUES || threads < 1 || threads > MAX_THREADS || iters < 1)
		return -1;
	if (design < 0 || design >= NR_DESIGNS || (design != DESIGN_VALUES && plain))
		return -1;	/* only the rmap values have an exclusive-writer path */
	if (kernel < 0 || kernel >= KERNEL_CALC || cache_kernel < 0 || cache_kernel >= NR_KERNELS)
		return -1;
	if (shift < 0 || shift > 63 || !ids)
		return -1;
	if (!table && (cached ? cache_kernel : kernel) == KERNEL_TABLE)
		return -1;
	if (posix_memalign((void **)&f, 64, sizeof(*f)))
		return -1;
	if (posix_memalign((void **)&mms, 64, sizeof(*mms) * NR_MMS * threads)) {
		free(f);
		return -1;
	}
	folio_clear(f);
	for (int m = 0; m < NR_MMS * threads; m++) {
		mms[m].id = ids[m];
		fill_cache(&mms[m], cached ? cache_kernel : kernel, k, table, shift, base_pages);
	}
	if (check) {
		/* the checks' folio: mm 0 of thread 0 maps CHECK_PAGES pages */
		uint64_t sa[MAX_VALUES];

		for (int v = 0; v < k; v++)
			sa[v] = CHECK_PAGES * mms[0].addend[v];
		if (design == DESIGN_MM_OWNER)
			mmo_update(f, mms[0].id, CHECK_PAGES);
		else if (design == DESIGN_LEGACY)
			legacy_ptes(f, 0, CHECK_PAGES, 1);
		else
			values_update(f, k, 0, CHECK_PAGES, sa);
	}
	pthread_barrier_init(&start, NULL, threads);
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct job){
			.f = f, .mms = mms + NR_MMS * t, .mms0 = mms, .table = table,
			.design = design, .kernel = kernel, .k = k, .cached = cached,
			.plain = plain, .shift = shift, .check = check, .iters = iters,
			.start = &start,
		};
		pthread_create(&tid[t], NULL, worker, &jobs[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		double ns = jobs[t].t1 - jobs[t].t0;

		if (ns > worst)
			worst = ns;
		if (jobs[t].cpu_ns > worst_cpu)
			worst_cpu = jobs[t].cpu_ns;
		if (t == 0 || jobs[t].t0 > start_max)
			start_max = jobs[t].t0;
		if (t == 0 || jobs[t].t1 < end_min)
			end_min = jobs[t].t1;
		if (ns > 0 && jobs[t].cpu_ns / ns < ran_min)
			ran_min = jobs[t].cpu_ns / ns;
	}
	pthread_barrier_destroy(&start);
	*out_shared = 0;
	for (int t = 0; t < threads; t++)
		*out_shared += jobs[t].shared;
	folio_state(f, out_state);
	for (int v = 0; v < MAX_VALUES; v++)
		out_values[v] = f->values[v];
	out_seq_mapcount[0] = f->seq;
	out_seq_mapcount[1] = f->mapcount;
	*out_cpu_share = worst > 0 && end_min > start_max ? (end_min - start_max) / worst * ran_min : 0;
	free(mms);
	free(f);
	*out_wall_ns = worst / (double)iters;
	return worst_cpu / (double)iters;
}
