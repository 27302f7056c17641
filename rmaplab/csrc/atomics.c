/*
 * rmaplab bench-atomics: the rmap-ID update path for K rmap values, measured.
 *
 * One update = what the WIP v1 series does when (un)mapping part of a large
 * folio: the atomic seqcount write side (two RMWs), one atomic add to the
 * total mapcount and one atomic add per rmap value. Values are laid out as in
 * the series: contiguous 64-bit words starting at a 64-byte line, so values
 * 0..3 share one line and 4..7 the next. "plain" is the exclusive-writer
 * path: ordinary loads and stores instead of RMWs (compiler barriers keep the
 * stores, as READ_ONCE/WRITE_ONCE). With two threads both update the same folio, as two mms (un)mapping
 * the same THP concurrently would.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct folio {
	_Alignas(64) uint64_t values[8];
	_Alignas(64) int32_t seq;
	int32_t mapcount;
};

struct job {
	struct folio *f;
	int k;
	int plain;
	int64_t iters;
	uint64_t subid[8];
	pthread_barrier_t *start;
	double ns;	/* this thread's own elapsed time */
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct folio *f = j->f;
	int k = j->k;

	struct timespec t0, t1;

	pthread_barrier_wait(j->start);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int64_t i = 0; i < j->iters; i++) {
		int64_t c = (i & 1) ? -1 : 1;	/* map, then unmap: values stay bounded */
		if (j->plain) {
			/* READ_ONCE/WRITE_ONCE-style accesses: every store happens */
			volatile int32_t *seq = &f->seq, *mc = &f->mapcount;
			volatile uint64_t *val = f->values;

			*seq = *seq + 1;
			__asm__ __volatile__("" ::: "memory");
			*mc = *mc + (int32_t)c;
			for (int v = 0; v < k; v++)
				val[v] = val[v] + (uint64_t)c * j->subid[v];
			__asm__ __volatile__("" ::: "memory");
			*seq = *seq + 1;
		} else {
			__atomic_fetch_add(&f->seq, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&f->mapcount, (int32_t)c, __ATOMIC_RELAXED);
			for (int v = 0; v < k; v++)
				__atomic_fetch_add(&f->values[v], (uint64_t)c * j->subid[v], __ATOMIC_RELAXED);
			__atomic_fetch_add(&f->seq, 1, __ATOMIC_RELEASE);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j->ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	return NULL;
}

/*
 * Nanoseconds per update: the slowest thread's own elapsed time over its
 * iterations (each thread times itself, so a descheduled main thread cannot
 * shorten the measurement), or -1 on bad arguments.
 */
double bench(int k, int threads, int64_t iters, int plain)
{
	struct folio *f;
	struct job jobs[8];
	pthread_t tid[8];
	pthread_barrier_t start;
	double worst = 0;

	if (k < 1 || k > 8 || threads < 1 || threads > 8 || iters < 1)
		return -1;
	if (posix_memalign((void **)&f, 64, sizeof(*f)))
		return -1;
	for (int v = 0; v < 8; v++)
		f->values[v] = 0;
	f->seq = 0;
	f->mapcount = 0;
	pthread_barrier_init(&start, NULL, threads);
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct job){ .f = f, .k = k, .plain = plain, .iters = iters, .start = &start };
		for (int v = 0; v < 8; v++)
			jobs[t].subid[v] = 0x9e3779b97f4a7c15ULL * (uint64_t)(t + 1) + (uint64_t)v;
		pthread_create(&tid[t], NULL, worker, &jobs[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		if (jobs[t].ns > worst)
			worst = jobs[t].ns;
	}
	pthread_barrier_destroy(&start);
	free(f);
	return worst / (double)iters;
}
