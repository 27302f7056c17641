/*
 * rmaplab: one folio and the update and check path of each design, as
 * inline functions. Compiled as the first part of one translation unit with
 * atomics.c and microbench.c (rmaplab.cbuild concatenates them), so every
 * loop that calls these gets them inlined, as a kernel would.
 *
 * Designs (DESIGN_*, shared with rmaplab/atomics_cases.py):
 *   - legacy: the per-page mapcounts only (each in its own struct page,
 *     64 bytes apart) and the entire (PMD) mapcount; the check is
 *     folio_estimated_sharers(): page 0's mapcount > 1.
 *   - values: the WIP v1 rmap-ID update: seqcount (two RMWs), total
 *     mapcount and one add of c * addend per rmap value; the check is the
 *     seqcount reader of __folio_large_mapped_shared().
 *   - mm-owner: Linux 6.15 MM-owner tracking (CONFIG_MM_ID), modelled on
 *     folio_add_return_large_mapcount() / folio_sub_return_large_mapcount()
 *     and folio_maybe_mapped_shared() in include/linux/rmap.h and mm.h:
 *     one word holds slot 0's id (bits 0..30), the "maybe mapped shared"
 *     bit (31), slot 1's id (32..62) and the bit spinlock (63); beside it
 *     the two per-slot mapcounts and the total (large) mapcount, read and
 *     set under the lock. Lock: test-and-set with acquire (spin on a plain
 *     read while held); unlock: a release store of the word. 6.15 has no
 *     seqcount and no exclusive-writer path: every update takes the lock.
 * Counts start at 0 here (the kernel stores them offset by -1: same cost).
 */
#include <stdint.h>

#define FOLIO_PAGES 512		/* order 9: a 2 MiB THP of 4 KiB pages */
#define MAX_VALUES 8

enum { DESIGN_VALUES = 0, DESIGN_MM_OWNER = 1, DESIGN_LEGACY = 2, NR_DESIGNS };

#define MMO_ID_MASK UINT64_C(0x7fffffff)
#define MMO_SHARED (UINT64_C(1) << 31)
#define MMO_LOCK (UINT64_C(1) << 63)

struct page {
	_Alignas(64) int32_t mapcount;	/* one struct page each: 64 bytes apart */
};

struct folio {
	_Alignas(64) uint64_t values[MAX_VALUES];
	_Alignas(64) int32_t seq;
	int32_t mapcount;
	/* 6.15: _large_mapcount, _mm_id_mapcount[2], _mm_ids (one line) */
	_Alignas(64) uint64_t mm_ids;
	int32_t slot_mapcount[2];
	int32_t large_mapcount;
	/* legacy: _entire_mapcount and the per-page _mapcount */
	_Alignas(64) int32_t entire_mapcount;
	struct page pages[FOLIO_PAGES];
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* -- legacy: per-page mapcounts ------------------------------------------- */

static inline __attribute__((always_inline)) void
legacy_ptes(struct folio *f, int first, int nr, int32_t d)
{
	for (int p = first; p < first + nr; p++)
		__atomic_fetch_add(&f->pages[p & (FOLIO_PAGES - 1)].mapcount, d, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) void legacy_pmd(struct folio *f, int32_t d)
{
	__atomic_fetch_add(&f->entire_mapcount, d, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) int legacy_check(struct folio *f)
{
	return __atomic_load_n(&f->pages[0].mapcount, __ATOMIC_RELAXED) +
	       __atomic_load_n(&f->entire_mapcount, __ATOMIC_RELAXED) > 1;
}

/* -- values: seqcount + mapcount + K words --------------------------------- */

/* sa[v] = c * addend_v, already scaled; plain: the exclusive-writer path */
static inline __attribute__((always_inline)) void
values_update(struct folio *f, const int k, const int plain, int32_t c, const uint64_t *sa)
{
	if (plain) {
		/* READ_ONCE/WRITE_ONCE-style accesses: every store happens */
		volatile int32_t *seq = &f->seq, *mc = &f->mapcount;
		volatile uint64_t *val = f->values;

		*seq = *seq + 1;
		__asm__ __volatile__("" ::: "memory");
		*mc = *mc + c;
		for (int v = 0; v < k; v++)
			val[v] = val[v] + sa[v];
		__asm__ __volatile__("" ::: "memory");
		*seq = *seq + 1;
	} else {
		__atomic_fetch_add(&f->seq, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&f->mapcount, c, __ATOMIC_RELAXED);
		for (int v = 0; v < k; v++)
			__atomic_fetch_add(&f->values[v], sa[v], __ATOMIC_RELAXED);
		__atomic_fetch_add(&f->seq, 1, __ATOMIC_RELEASE);
	}
}

/*
 * Shared (1) or exclusive (0) for the mm whose addends are a[]: the
 * seqcount reader (retry while a writer is inside or the count moved),
 * mapcount > pages means shared, else every word must be mapcount * a[v].
 */
static inline __attribute__((always_inline)) int
values_check(struct folio *f, const int k, const uint64_t *a, int32_t pages)
{
	for (;;) {
		int32_t s0 = __atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);
		int shared = 0;

		if (s0 & 1) {
			cpu_relax();
			continue;
		}
		int32_t n = __atomic_load_n(&f->mapcount, __ATOMIC_RELAXED);

		if (n > pages) {
			shared = 1;
		} else {
			for (int v = 0; v < k; v++)
				if (__atomic_load_n(&f->values[v], __ATOMIC_RELAXED) != (uint64_t)n * a[v])
					shared = 1;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&f->seq, __ATOMIC_RELAXED) == s0)
			return shared;
	}
}

/* -- mm-owner: Linux 6.15 --------------------------------------------------- */

/* folio_lock_large_mapcount(): bit spinlock; returns the word, lock held */
static inline __attribute__((always_inline)) uint64_t mmo_lock(struct folio *f)
{
	for (;;) {
		uint64_t old = __atomic_fetch_or(&f->mm_ids, MMO_LOCK, __ATOMIC_ACQUIRE);

		if (!(old & MMO_LOCK))
			return old | MMO_LOCK;
		while (__atomic_load_n(&f->mm_ids, __ATOMIC_RELAXED) & MMO_LOCK)
			cpu_relax();
	}
}

/* folio_unlock_large_mapcount(): the holder owns the word: a release store */
static inline __attribute__((always_inline)) void mmo_unlock(struct folio *f, uint64_t w)
{
	__atomic_store_n(&f->mm_ids, w & ~MMO_LOCK, __ATOMIC_RELEASE);
}

/* folio_add_return_large_mapcount(): diff > 0 mappings by mm id */
static inline __attribute__((always_inline)) int32_t
mmo_add(struct folio *f, uint64_t id, int32_t diff)
{
	uint64_t w = mmo_lock(f);
	int32_t total = __atomic_load_n(&f->large_mapcount, __ATOMIC_RELAXED) + diff;

	__atomic_store_n(&f->large_mapcount, total, __ATOMIC_RELAXED);
	if ((w & MMO_ID_MASK) == id) {
		f->slot_mapcount[0] += diff;
	} else if (((w >> 32) & MMO_ID_MASK) == id) {
		f->slot_mapcount[1] += diff;
	} else if (!(w & MMO_ID_MASK)) {
		w |= id;
		f->slot_mapcount[0] = diff;
		if (total != diff)	/* others map it already */
			w |= MMO_SHARED;
	} else if (!((w >> 32) & MMO_ID_MASK)) {
		w |= id << 32;
		f->slot_mapcount[1] = diff;
		w |= MMO_SHARED;	/* slot 0 is taken: someone else maps it */
	}
	mmo_unlock(f, w);
	return total;
}

/* folio_sub_return_large_mapcount(): diff > 0 mappings gone */
static inline __attribute__((always_inline)) int32_t
mmo_sub(struct folio *f, uint64_t id, int32_t diff)
{
	uint64_t w = mmo_lock(f);
	int32_t total = __atomic_load_n(&f->large_mapcount, __ATOMIC_RELAXED) - diff;
	int s = -1;

	__atomic_store_n(&f->large_mapcount, total, __ATOMIC_RELAXED);
	if ((w & MMO_ID_MASK) == id)
		s = 0;
	else if (((w >> 32) & MMO_ID_MASK) == id)
		s = 1;
	if (s >= 0) {
		f->slot_mapcount[s] -= diff;
		if (f->slot_mapcount[s] > 0)
			goto out;	/* the owner still maps pages: bit left alone */
		/* zero, or below (the merged code's "valid corner case"): free it */
		w &= ~(MMO_ID_MASK << (32 * s));
		f->slot_mapcount[s] = 0;
	}
	/* a free slot counts 0, so an unmapped folio clears the bit too */
	if (f->slot_mapcount[0] == total || f->slot_mapcount[1] == total)
		w &= ~MMO_SHARED;
out:
	mmo_unlock(f, w);
	return total;
}

static inline __attribute__((always_inline)) void
mmo_update(struct folio *f, uint64_t id, int32_t c)
{
	if (c > 0)
		mmo_add(f, id, c);
	else if (c < 0)
		mmo_sub(f, id, -c);
}

/* folio_maybe_mapped_shared(): no lock; total <= 1 is exclusive */
static inline __attribute__((always_inline)) int mmo_check(struct folio *f)
{
	if (__atomic_load_n(&f->large_mapcount, __ATOMIC_RELAXED) <= 1)
		return 0;
	return (__atomic_load_n(&f->mm_ids, __ATOMIC_RELAXED) & MMO_SHARED) != 0;
}

/* The folio's counters as int64s (tests compare them with Python models). */
#define STATE_WORDS (2 + MAX_VALUES + 5 + FOLIO_PAGES)

static void folio_state(const struct folio *f, int64_t *out)
{
	int i = 0;

	out[i++] = f->seq;
	out[i++] = f->mapcount;
	for (int v = 0; v < MAX_VALUES; v++)
		out[i++] = (int64_t)f->values[v];
	out[i++] = (int64_t)f->mm_ids;
	out[i++] = f->slot_mapcount[0];
	out[i++] = f->slot_mapcount[1];
	out[i++] = f->large_mapcount;
	out[i++] = f->entire_mapcount;
	for (int p = 0; p < FOLIO_PAGES; p++)
		out[i++] = f->pages[p].mapcount;
}

int state_words(void)
{
	return STATE_WORDS;
}

static void folio_clear(struct folio *f)
{
	__builtin_memset(f, 0, sizeof(*f));
}
