/*
 * The replay loop of rmaplab._kernels.replay._replay_kernel (ground truth off), in C,
 * for benchmarks/bench_replay.py. Same arrays, same arithmetic: one add per
 * rmap value per (un)map, values wrap modulo 2^64 and are masked to the word.
 */
#include <stdint.h>

void replay(int64_t n, const int64_t *folio, const int64_t *mm,
	    const int64_t *delta, const uint8_t *check, const int64_t *fgroup,
	    const int64_t *pages, const int64_t *gvalues,
	    const uint64_t *subids, int64_t n_mm, int64_t kmax, uint64_t mask,
	    int64_t *mapcount, uint64_t *values, int8_t *answers)
{
	for (int64_t i = 0; i < n; i++) {
		int64_t f = folio[i], m = mm[i], g = fgroup[f], d = delta[i];
		int64_t nv = gvalues[g];
		const uint64_t *s = subids + (g * n_mm + m) * kmax;
		uint64_t *v = values + f * kmax;

		if (d > 0) {
			uint64_t c = (uint64_t)d;
			for (int64_t k = 0; k < nv; k++)
				v[k] = (v[k] + c * s[k]) & mask;
		} else if (d < 0) {
			uint64_t c = (uint64_t)(-d);
			for (int64_t k = 0; k < nv; k++)
				v[k] = (v[k] - c * s[k]) & mask;
		}
		mapcount[f] += d;
		if (check[i]) {
			int64_t cnt = mapcount[f];
			int8_t shared = 0;
			if (cnt > pages[f]) {
				shared = 1;
			} else {
				uint64_t un = (uint64_t)cnt;
				for (int64_t k = 0; k < nv; k++) {
					if (v[k] != ((un * s[k]) & mask)) {
						shared = 1;
						break;
					}
				}
			}
			answers[i] = shared;
		}
	}
}
