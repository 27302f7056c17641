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
 *
 * Overlap. Counts of torn reads say nothing about parallel hardware unless the
 * threads ran at the same time: on a busy 2-core machine they mostly take turns,
 * and a writer preempted halfway through an update leaves one torn state that
 * the reader re-reads millions of times (the kernel runs these paths with
 * preemption off). So the threads are pinned to different CPUs where the
 * machine has them, each thread's CPU time is measured, the reader counts the
 * checks whose words differ from its previous check's, and every torn answer
 * (mapcount and values of no state the folio can be in) is classed:
 * frozen when no writer finished an update and the words stayed the same for
 * FROZEN_NS after the read (a writer stopped mid-update: preempted, or its vCPU
 * descheduled; a running writer finishes an update in well under a
 * microsecond), moving otherwise (the words changed under the reader).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define EXCL ((uint64_t)1 << 16)
#define WRITERS (((uint64_t)1 << 17) - 1)
#define STEP ((uint64_t)1 << 17)
#define MAXK 8
#define MAXW 4
#define FROZEN_NS 10000

struct folio {
	_Alignas(64) _Atomic uint64_t seq;
	_Atomic int64_t mapcount;
	_Alignas(64) _Atomic uint64_t values[MAXK];
};

/* a writer's finished updates, on its own cache line: the reader loads it only
 * to class a torn answer */
struct progress {
	_Alignas(64) _Atomic int64_t done;
};

struct shared {
	struct folio f;
	int mode, k, exclusive, writers;
	int64_t pages;
	uint64_t sx[MAXK], sb[MAXK], sc[MAXK];
	struct progress prog[MAXW];
	_Alignas(64) atomic_int stop;
	atomic_int ready, go;
};

struct wres {
	struct shared *s;
	struct progress *prog;
	int64_t ops, excl_ops, cpu_ns;
};

struct rres {
	struct shared *s;
	int64_t checks, exclusive, retries, spins, cpu_ns;
	int64_t torn, torn_frozen, torn_moving, fe_frozen, fe_moving, torn_caught, changes;
	/* the last snapshot, and the last one classed frozen with the writers'
	 * progress then */
	int64_t prev_n, frozen_n, frozen_done;
	uint64_t prev_v[MAXK], frozen_v[MAXK];
	int have_frozen;
};

/*
 * The pure part of a check, shared with the tests (rs_classify): the answer of
 * __folio_large_mapped_shared for mm X on the words (n, v), 1 shared, 0
 * exclusive, and whether the words are torn: no state of the folio has them
 * (every state has mapcount 2 + m and values sx + sb + m sc, m writers'
 * pages mapped, 0 <= m <= writers). Unsigned words wrap, as in the kernel.
 */
static int answer(int k, int64_t pages, const uint64_t *sx, int64_t n, const uint64_t *v)
{
	if (n > pages)
		return 1;
	for (int i = 0; i < k; i++)
		if (v[i] != (uint64_t)n * sx[i])
			return 1;
	return 0;
}

static int torn(int k, int writers, const uint64_t *sx, const uint64_t *sb,
		const uint64_t *sc, int64_t n, const uint64_t *v)
{
	int64_t m = n - 2;

	if (m < 0 || m > writers)
		return 1;
	for (int i = 0; i < k; i++)
		if (v[i] != sx[i] + sb[i] + (uint64_t)m * sc[i])
			return 1;
	return 0;
}

int rs_classify(int k, int writers, int64_t pages, const uint64_t *sx, const uint64_t *sb,
		const uint64_t *sc, int64_t n, const uint64_t *v)
{
	if (k < 1 || k > MAXK || writers < 1 || writers > MAXW)
		return -1;
	return answer(k, pages, sx, n, v) | torn(k, writers, sx, sb, sc, n, v) << 1;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int64_t writers_done(struct shared *s)
{
	int64_t sum = 0;

	for (int i = 0; i < s->writers; i++)
		sum += atomic_load_explicit(&s->prog[i].done, memory_order_relaxed);
	return sum;
}

static int same_words(struct shared *s, int64_t n, const uint64_t *v)
{
	if (atomic_load_explicit(&s->f.mapcount, memory_order_relaxed) != n)
		return 0;
	for (int i = 0; i < s->k; i++)
		if (atomic_load_explicit(&s->f.values[i], memory_order_relaxed) != v[i])
			return 0;
	return 1;
}

/* A torn answer: frozen (1) or moving (0), see the comment at the top. */
static int frozen(struct shared *s, struct rres *r, int64_t n, const uint64_t *v)
{
	int64_t done = writers_done(s), t0;

	if (r->have_frozen && n == r->frozen_n && done == r->frozen_done &&
	    !memcmp(v, r->frozen_v, sizeof(uint64_t) * s->k))
		return 1;	/* the same torn state re-read, no writer moved since */
	t0 = now_ns(CLOCK_MONOTONIC);
	do {
		if (!same_words(s, n, v) || writers_done(s) != done)
			return 0;
	} while (now_ns(CLOCK_MONOTONIC) - t0 < FROZEN_NS);
	r->have_frozen = 1;
	r->frozen_n = n;
	r->frozen_done = done;
	memcpy(r->frozen_v, v, sizeof(uint64_t) * s->k);
	return 1;
}

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

static void start(struct shared *s)
{
	atomic_fetch_add(&s->ready, 1);
	while (!atomic_load(&s->go))
		sched_yield();
}

static void *writer(void *arg)
{
	struct wres *w = arg;
	struct shared *s = w->s;
	int e1, e2;

	start(s);
	int64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		update(s, 1, &e1);	/* map a page for mm C */
		atomic_store_explicit(&w->prog->done, w->ops + 1, memory_order_relaxed);
		update(s, -1, &e2);	/* and unmap it */
		w->ops += 2;
		atomic_store_explicit(&w->prog->done, w->ops, memory_order_relaxed);
		w->excl_ops += e1 + e2;
	}
	w->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
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
		uint64_t v[MAXK];
		int64_t n = atomic_load_explicit(&f->mapcount, memory_order_relaxed);
		/* the kernel stops at the first value that differs (or at n > pages); the
		 * reader here reads them all, to tell a torn read from a whole one */
		for (int i = 0; i < s->k; i++)
			v[i] = atomic_load_explicit(&f->values[i], memory_order_relaxed);
		shared = answer(s->k, s->pages, s->sx, n, v);
		if (s->mode != 0) {
			/* smp_rmb(), then the retry check */
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&f->seq, memory_order_relaxed) != seq) {
				r->retries++;
				r->torn_caught += torn(s->k, s->writers, s->sx, s->sb, s->sc, n, v);
				continue;
			}
		}
		if (n != r->prev_n || memcmp(v, r->prev_v, sizeof(uint64_t) * s->k)) {
			r->changes++;
			r->prev_n = n;
			memcpy(r->prev_v, v, sizeof(uint64_t) * s->k);
		}
		if (torn(s->k, s->writers, s->sx, s->sb, s->sc, n, v)) {
			int fz = frozen(s, r, n, v);

			r->torn++;
			r->torn_frozen += fz;
			r->torn_moving += !fz;
			r->fe_frozen += fz && !shared;
			r->fe_moving += !fz && !shared;
		}
		return shared;
	}
}

static void *reader(void *arg)
{
	struct rres *r = arg;
	struct shared *s = r->s;

	start(s);
	int64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (!check(s, r))
			r->exclusive++;
		r->checks++;
	}
	r->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/*
 * CPUs for the threads (thread 0 the reader, 1.. the writers), from the CPUs
 * this process may run on. pin 1 (spread): each its own CPU if there are
 * enough; else the reader alone on one and the writers round-robin on the
 * rest. pin 2 (one): all on one CPU, where they can only take turns. pin 0:
 * the scheduler's choice. Returns how they ended up: 0 not pinned, 1 each on
 * its own CPU, 2 all on one CPU, 3 the reader apart, writers sharing CPUs;
 * *ncpu is the number of CPUs allowed.
 */
static int place(int pin, int threads, int *cpu, int *ncpu)
{
	cpu_set_t set;
	int ids[CPU_SETSIZE], n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return *ncpu = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			ids[n++] = c;
	*ncpu = n;
	if (pin == 0 || n == 0)
		return 0;
	if (pin == 2 || n == 1) {
		for (int t = 0; t < threads; t++)
			cpu[t] = ids[0];
		return 2;
	}
	if (n >= threads) {
		for (int t = 0; t < threads; t++)
			cpu[t] = ids[t];
		return 1;
	}
	cpu[0] = ids[0];
	for (int t = 1; t < threads; t++)
		cpu[t] = ids[1 + (t - 1) % (n - 1)];
	return 3;
}

static int spawn(pthread_t *t, void *(*fn)(void *), void *arg, int pinned, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int ok = 1;

	pthread_attr_init(&attr);
	if (pinned) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		ok = !pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (pthread_create(t, &attr, fn, arg)) {
		/* pinning refused (a restricted container): run unpinned */
		ok = 0;
		pthread_create(t, NULL, fn, arg);
	}
	pthread_attr_destroy(&attr);
	return ok;
}

/*
 * out[0] checks, out[1] exclusive answers (all false), out[2] reader
 * retries, out[3] reader spins, out[4] writer (un)maps, out[5] of them on the
 * exclusive path, out[6] elapsed ns, out[7] final mapcount minus the start
 * (non-zero: an update was lost), out[8] rmap values that differ from the
 * start; out[9] torn answers, out[10] of them frozen, out[11] moving,
 * out[12] false exclusives frozen, out[13] moving, out[14] torn reads the
 * seqcount caught (retried), out[15] checks whose words differ from the
 * previous check's, out[16] reader CPU ns, out[17] writers' CPU ns (sum),
 * out[18] the busiest writer's CPU ns, out[19] CPUs allowed, out[20] placement
 * (see place(); 0 also when pinning was refused). Returns 0, or -1 on bad
 * arguments.
 */
int stress(int mode, int k, int writers, int exclusive, int64_t pages, const uint64_t *sx,
	   const uint64_t *sb, const uint64_t *sc, double seconds, int pin, int64_t *out)
{
	static struct shared s;
	struct wres w[MAXW] = {0};
	struct rres r = {0};
	pthread_t tw[MAXW], tr;
	struct timespec t0, t1, d;
	int cpu[MAXW + 1] = {0}, ncpu = 0, placed, ok;

	if (mode < 0 || mode > 4 || k < 1 || k > MAXK || writers < 1 || writers > MAXW ||
	    pin < 0 || pin > 2)
		return -1;
	atomic_store(&s.f.seq, 0);
	atomic_store(&s.f.mapcount, 2);	/* mm X and mm B: one page each */
	for (int i = 0; i < MAXK; i++)
		atomic_store(&s.f.values[i], i < k ? sx[i] + sb[i] : 0);
	s.mode = mode;
	s.k = k;
	s.exclusive = exclusive;
	s.writers = writers;
	s.pages = pages;
	for (int i = 0; i < k; i++) {
		s.sx[i] = sx[i];
		s.sb[i] = sb[i];
		s.sc[i] = sc[i];
	}
	for (int i = 0; i < MAXW; i++)
		atomic_store(&s.prog[i].done, 0);
	atomic_store(&s.stop, 0);
	atomic_store(&s.ready, 0);
	atomic_store(&s.go, 0);
	r.s = &s;
	r.prev_n = -1;	/* no check yet: the first one counts as a change */
	placed = place(pin, writers + 1, cpu, &ncpu);
	ok = 1;
	for (int i = 0; i < writers; i++) {
		w[i].s = &s;
		w[i].prog = &s.prog[i];
		ok &= spawn(&tw[i], writer, &w[i], placed, cpu[1 + i]);
	}
	ok &= spawn(&tr, reader, &r, placed, cpu[0]);
	if (!ok)
		placed = 0;
	while (atomic_load(&s.ready) < writers + 1)
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&s.go, 1);
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
	out[9] = r.torn;
	out[10] = r.torn_frozen;
	out[11] = r.torn_moving;
	out[12] = r.fe_frozen;
	out[13] = r.fe_moving;
	out[14] = r.torn_caught;
	out[15] = r.changes;
	out[16] = r.cpu_ns;
	out[17] = 0;
	out[18] = 0;
	for (int i = 0; i < writers; i++) {
		out[17] += w[i].cpu_ns;
		if (w[i].cpu_ns > out[18])
			out[18] = w[i].cpu_ns;
	}
	out[19] = ncpu;
	out[20] = placed;
	return 0;
}
