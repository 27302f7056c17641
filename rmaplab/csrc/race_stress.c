/*
 * rmaplab race-stress: writer and reader threads hammering one folio.
 *
 * The folio's total mapcount and K rmap values, updated as the WIP v1 series
 * does, with or without its atomic seqcount (64-bit word: bits 0..15 count
 * shared writers, bit 16 marks the exclusive writer, the sequence advances in
 * steps of 2^17). mm X and mm B map one page each for the whole run; every
 * writer thread maps one page for mm C and unmaps it again, over and over.
 * The reader thread runs __folio_large_mapped_shared for mm X. mm B maps a
 * page at every moment, so every "exclusive" answer is a false exclusive.
 *
 * Modes: 0 none (atomic RMW updates, the reader reads once), 1 seqcount (as
 * posted; the reader waits for writers and retries), 2 no-wait (broken: the
 * reader takes the word without waiting for writers, only re-checks it),
 * 3 no-excl-wait (broken: a shared writer does not wait for the exclusive
 * writer, so updates can be lost), 4 early-end (broken: the writer ends its
 * section before the last value update).
 * With exclusive = 1 a writer first tries the exclusive path (cmpxchg on an
 * idle word, then relaxed loads and stores, as the series' plain stores).
 *
 * C11 atomics; data accesses are relaxed atomics so the program has no data
 * race in the C sense; the seqcount supplies the ordering with fences, as
 * smp_mb__after_atomic / smp_rmb do in the kernel.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define EXCL ((uint64_t)1 << 16)
#define WRITERS (((uint64_t)1 << 17) - 1)
#define STEP ((uint64_t)1 << 17)
#define MAXK 8

struct folio {
	_Alignas(64) _Atomic uint64_t seq;
	_Atomic int64_t mapcount;
	_Alignas(64) _Atomic uint64_t values[MAXK];
};

struct shared {
	struct folio f;
	int mode, k, exclusive;
	int64_t pages;
	uint64_t sx[MAXK], sc[MAXK];
	_Alignas(64) atomic_int stop;
	atomic_int ready;
};

struct wres {
	struct shared *s;
	int64_t ops, excl_ops;
};

struct rres {
	struct shared *s;
	int64_t checks, exclusive, retries, spins;
};

static void update(struct shared *s, int64_t c, int *was_excl)
{
	struct folio *f = &s->f;
	int k = s->k;
	uint64_t marker = 1;

	*was_excl = 0;
	if (s->mode != 0) {
		uint64_t old = atomic_load_explicit(&f->seq, memory_order_relaxed);
		if (s->exclusive && !(old & WRITERS) &&
		    atomic_compare_exchange_strong_explicit(&f->seq, &old, old | EXCL,
							    memory_order_acq_rel,
							    memory_order_relaxed)) {
			marker = EXCL;
			*was_excl = 1;
		} else {
			atomic_fetch_add_explicit(&f->seq, 1, memory_order_relaxed);
			while (s->mode != 3 &&
			       (atomic_load_explicit(&f->seq, memory_order_acquire) & EXCL))
				;
		}
		/* smp_mb__after_atomic(): updates become visible after begin */
		atomic_thread_fence(memory_order_seq_cst);
	}
	if (marker == EXCL) {
		/* exclusive writer: plain loads and stores, no RMW */
		int64_t n = atomic_load_explicit(&f->mapcount, memory_order_relaxed);
		atomic_store_explicit(&f->mapcount, n + c, memory_order_relaxed);
		for (int i = 0; i < k; i++) {
			if (s->mode == 4 && i == k - 1)
				atomic_fetch_add_explicit(&f->seq, STEP - marker,
							  memory_order_release);
			uint64_t v = atomic_load_explicit(&f->values[i], memory_order_relaxed);
			atomic_store_explicit(&f->values[i], v + (uint64_t)c * s->sc[i],
					      memory_order_relaxed);
		}
	} else {
		atomic_fetch_add_explicit(&f->mapcount, c, memory_order_relaxed);
		for (int i = 0; i < k; i++) {
			if (s->mode == 4 && i == k - 1)
				atomic_fetch_add_explicit(&f->seq, STEP - marker,
							  memory_order_release);
			atomic_fetch_add_explicit(&f->values[i], (uint64_t)c * s->sc[i],
						  memory_order_relaxed);
		}
	}
	if (s->mode != 0 && s->mode != 4)
		atomic_fetch_add_explicit(&f->seq, STEP - marker, memory_order_release);
}

static void *writer(void *arg)
{
	struct wres *w = arg;
	struct shared *s = w->s;
	int e1, e2;

	atomic_fetch_add(&s->ready, 1);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		update(s, 1, &e1);	/* map a page for mm C */
		update(s, -1, &e2);	/* and unmap it */
		w->ops += 2;
		w->excl_ops += e1 + e2;
	}
	return NULL;
}

/* __folio_large_mapped_shared for mm X: 1 shared, 0 exclusive. */
static int check(struct shared *s, struct rres *r)
{
	struct folio *f = &s->f;

	for (;;) {
		uint64_t seq = 0;
		int shared = 0;

		if (s->mode != 0) {
			seq = atomic_load_explicit(&f->seq, memory_order_acquire);
			while (s->mode != 2 && (seq & WRITERS)) {
				r->spins++;
				seq = atomic_load_explicit(&f->seq, memory_order_acquire);
			}
		}
		int64_t n = atomic_load_explicit(&f->mapcount, memory_order_relaxed);
		if (n > s->pages)
			return 1;
		for (int i = 0; i < s->k; i++) {
			if (atomic_load_explicit(&f->values[i], memory_order_relaxed) !=
			    (uint64_t)n * s->sx[i]) {
				shared = 1;
				break;
			}
		}
		if (s->mode == 0)
			return shared;
		/* smp_rmb(), then the retry check */
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&f->seq, memory_order_relaxed) == seq)
			return shared;
		r->retries++;
	}
}

static void *reader(void *arg)
{
	struct rres *r = arg;
	struct shared *s = r->s;

	atomic_fetch_add(&s->ready, 1);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (!check(s, r))
			r->exclusive++;
		r->checks++;
	}
	return NULL;
}

/*
 * out[0] checks, out[1] exclusive answers (all false), out[2] reader
 * retries, out[3] reader spins, out[4] writer (un)maps, out[5] of them on the
 * exclusive path, out[6] elapsed ns, out[7] final mapcount minus the start
 * (non-zero: an update was lost), out[8] rmap values that differ from the
 * start. Returns 0, or -1 on bad arguments.
 */
int stress(int mode, int k, int writers, int exclusive, int64_t pages, const uint64_t *sx,
	   const uint64_t *sb, const uint64_t *sc, double seconds, int64_t *out)
{
	static struct shared s;
	struct wres w[4] = {0};
	struct rres r = {0};
	pthread_t tw[4], tr;
	struct timespec t0, t1, d;

	if (mode < 0 || mode > 4 || k < 1 || k > MAXK || writers < 1 || writers > 4)
		return -1;
	atomic_store(&s.f.seq, 0);
	atomic_store(&s.f.mapcount, 2);	/* mm X and mm B: one page each */
	for (int i = 0; i < MAXK; i++)
		atomic_store(&s.f.values[i], i < k ? sx[i] + sb[i] : 0);
	s.mode = mode;
	s.k = k;
	s.exclusive = exclusive;
	s.pages = pages;
	for (int i = 0; i < k; i++) {
		s.sx[i] = sx[i];
		s.sc[i] = sc[i];
	}
	atomic_store(&s.stop, 0);
	atomic_store(&s.ready, 0);
	r.s = &s;
	for (int i = 0; i < writers; i++) {
		w[i].s = &s;
		pthread_create(&tw[i], NULL, writer, &w[i]);
	}
	pthread_create(&tr, NULL, reader, &r);
	while (atomic_load(&s.ready) < writers + 1)
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d.tv_sec = (time_t)seconds;
	d.tv_nsec = (long)((seconds - (double)d.tv_sec) * 1e9);
	nanosleep(&d, NULL);
	atomic_store(&s.stop, 1);
	for (int i = 0; i < writers; i++)
		pthread_join(tw[i], NULL);
	pthread_join(tr, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out[0] = r.checks;
	out[1] = r.exclusive;
	out[2] = r.retries;
	out[3] = r.spins;
	out[4] = 0;
	out[5] = 0;
	for (int i = 0; i < writers; i++) {
		out[4] += w[i].ops;
		out[5] += w[i].excl_ops;
	}
	out[6] = (int64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	/* every map was undone: the folio is back where it started unless an
	 * update was lost */
	out[7] = atomic_load(&s.f.mapcount) - 2;
	out[8] = 0;
	for (int i = 0; i < k; i++)
		out[8] += atomic_load(&s.f.values[i]) != sx[i] + sb[i];
	return 0;
}
