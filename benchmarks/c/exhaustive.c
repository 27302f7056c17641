/*
 * The exhaustive search of rmaplab._kernels.exhaustive._exhaustive_kernel, in C, for
 * benchmarks/bench_verify.py: per victim, breadth-first over the packed
 * joint state of all values, one step = one more mapping by another mm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int exhaustive(const uint64_t *subids, int64_t n_ids, int64_t nv,
	       int64_t word_bits, int64_t max_depth, int64_t *out)
{
	uint64_t wb = (uint64_t)word_bits;
	uint64_t mask = (1ULL << wb) - 1;
	int64_t n_states = 1LL << (nv * word_bits);
	int32_t *depth = malloc(sizeof(*depth) * n_states);
	uint64_t *queue = malloc(sizeof(*queue) * n_states);
	uint64_t *gens = malloc(sizeof(*gens) * n_ids * nv);

	if (!depth || !queue || !gens)
		return -1;
	for (int64_t x = 0; x < n_ids; x++) {
		for (int64_t m = 0; m < n_ids; m++)
			for (int64_t k = 0; k < nv; k++)
				gens[m * nv + k] = (subids[m * nv + k] - subids[x * nv + k]) & mask;
		memset(depth, 0xff, sizeof(*depth) * n_states);
		depth[0] = 0;
		queue[0] = 0;
		int64_t head = 0, tail = 1, found = -1;
		while (head < tail && found < 0) {
			uint64_t st = queue[head++];
			int32_t dcur = depth[st];
			if (dcur >= max_depth)
				break;
			for (int64_t m = 0; m < n_ids; m++) {
				if (m == x)
					continue;
				uint64_t nxt = 0;
				for (int64_t k = 0; k < nv; k++) {
					uint64_t sh = (uint64_t)k * wb;
					uint64_t comp = ((st >> sh) & mask) + gens[m * nv + k];
					nxt |= (comp & mask) << sh;
				}
				if (nxt == 0) {
					found = dcur + 1;
					break;
				}
				if (depth[nxt] < 0) {
					depth[nxt] = dcur + 1;
					queue[tail++] = nxt;
				}
			}
		}
		out[x] = found;
	}
	free(depth);
	free(queue);
	free(gens);
	return 0;
}
