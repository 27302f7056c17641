/*
 * rmaplab._kernels.montecarlo._mc_kernel in C, for benchmarks/bench_collide.py: the same
 * generator (splitmix64), the same draws in the same order, the same checks.
 */
#include <stdint.h>
#include <stdlib.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t st;
static int64_t below(int64_t k) { st += GOLDEN; return (int64_t)(mix64(st) % (uint64_t)k); }

static uint64_t calc_subid(uint64_t base_pages, uint64_t i, uint64_t mask)
{
	uint64_t nr = 0, mult = 1, b = base_pages + 1;
	while (i) {
		if (i & 1)
			nr = (nr + mult) & mask;
		mult = (mult * b) & mask;
		i >>= 1;
	}
	return nr;
}

static uint64_t upow(uint64_t v, int64_t p)
{
	uint64_t acc = 1;
	for (int64_t i = 0; i < p; i++)
		acc *= v;
	return acc;
}

/* modes as in rmaplab._kernels.codes: 0 digits, 1 raw id, 2 hash, 3 table, 4 powers */
static inline __attribute__((always_inline)) uint64_t enc_subid(int64_t enc, int64_t id, int64_t k, uint64_t shift, uint64_t smask,
			  uint64_t base, uint64_t mask, const uint64_t *tables, int64_t tcols,
			  const int64_t *pw, int64_t npow, uint64_t pack)
{
	uint64_t u = (uint64_t)id;
	if (enc == 0)
		return calc_subid(base, (u >> shift) & smask, mask);
	if (enc == 1)
		return u & mask;
	if (enc == 2)
		return mix64(u + (uint64_t)k * GOLDEN) & mask;
	uint64_t v = (u >> shift) & smask;
	if (enc == 3)
		return tables[k * tcols + (int64_t)v] & mask;
	if (!pack)
		return upow(v, pw[4 * k]) & mask;
	uint64_t acc = 0, mult = 1;
	for (int64_t j = 0; j < npow; j++) {
		acc += upow(v, pw[4 * k + j]) * mult;
		mult *= pack;
	}
	return acc & mask;
}

void mc(int64_t enc, int64_t nv, int64_t bits, uint64_t base, uint64_t mask, int64_t max_id,
	int64_t pop, int64_t m, int64_t n, int64_t pages, int64_t trials, uint64_t seed, int64_t *out,
	const int64_t *ws, const uint64_t *tables, int64_t tcols, const int64_t *pw, int64_t npow,
	uint64_t pack)
{
	uint64_t smask = (1ULL << bits) - 1;
	uint64_t *shift = calloc(nv > 0 ? nv : 1, sizeof(*shift));
	for (int64_t k = 0; k < nv; k++)
		shift[k] = (uint64_t)(ws[k] * bits);
	int64_t *ids = calloc(m, sizeof(*ids)), *cnt = calloc(m, sizeof(*cnt));
	int64_t *cuts = calloc(m > 1 ? m - 1 : 1, sizeof(*cuts));
	uint64_t *acc = calloc(nv > 0 ? nv : 1, sizeof(*acc));
	int64_t v = 0, victim;

	st = seed;
	out[0] = out[1] = 0;
	for (int64_t t = 0; t < trials; t++) {
		out[1]++;
		if (pop == 2) {
			int64_t mapping = 0, total = 0;
			for (int64_t i = 0; i < m; i++) {
				ids[i] = i + 1;
				cnt[i] = below(pages + 1);
			}
			for (int64_t i = 0; i < m; i++)
				if (cnt[i] > 0) { mapping++; total += cnt[i]; }
			if (mapping < 2 || total > pages)
				continue;
			int64_t pick = below(mapping);
			for (int64_t i = 0; i < m; i++)
				if (cnt[i] > 0) { if (pick == 0) v = i; pick--; }
			victim = ids[v];
		} else {
			int64_t j = 0;
			for (int64_t r = n - m + 1; r < n; r++) {
				int64_t c = 1 + below(r);
				for (int64_t q = 0; q < j; q++)
					if (cuts[q] == c) { c = r; break; }
				cuts[j++] = c;
			}
			for (int64_t a = 1; a < j; a++) {
				int64_t key = cuts[a], b = a - 1;
				while (b >= 0 && cuts[b] > key) { cuts[b + 1] = cuts[b]; b--; }
				cuts[b + 1] = key;
			}
			int64_t prev = 0;
			for (int64_t i = 0; i < m - 1; i++) { cnt[i] = cuts[i] - prev; prev = cuts[i]; }
			cnt[m - 1] = n - prev;
			if (n > pages)
				continue;
			v = 0;
			if (pop == 1) {
				for (int64_t i = 0; i < m; i++)
					ids[i] = i + 1;
				v = below(m);
			} else {
				int64_t x = 1 + below(max_id);
				ids[0] = x;
				for (int64_t i = 1; i < m; i++) {
					int64_t y = 1 + below(max_id - 1);
					ids[i] = y >= x ? y + 1 : y;
				}
			}
			victim = ids[v];
		}
		for (int64_t k = 0; k < nv; k++)
			acc[k] = 0;
		for (int64_t i = 0; i < m; i++) {
			if (i == v || cnt[i] == 0)
				continue;
			for (int64_t k = 0; k < nv; k++) {
				uint64_t d = (enc_subid(enc, ids[i], k, shift[k], smask, base, mask,
							tables, tcols, pw, npow, pack) -
					      enc_subid(enc, victim, k, shift[k], smask, base, mask,
							tables, tcols, pw, npow, pack)) & mask;
				acc[k] = (acc[k] + (uint64_t)cnt[i] * d) & mask;
			}
		}
		int fooled = 1;
		for (int64_t k = 0; k < nv; k++)
			if (acc[k])
				fooled = 0;
		out[0] += fooled;
	}
	free(ids); free(cnt); free(cuts); free(acc); free(shift);
}
