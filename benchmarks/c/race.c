/*
 * The race explorer's kernel (rmaplab._kernels.race._explore_kernel) in C,
 * for benchmarks/bench_race.py: the same breadth-first search over packed
 * states (one row of S = 4 + K + W uint64 words per state), the same
 * successor step per CPU, the same open-addressing hash set (FNV-1a over
 * the row, linear probing, at most half full) and the same order of rows,
 * so state counts, verdicts and parents agree with the numba kernel.
 *
 * The stage and layout codes are the kernel's; race_codes() hands them to
 * the benchmark, which refuses to run if they differ.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* rmaplab.race.codes / rmaplab.race.mmowner / rmaplab._kernels.race */
enum { W_LOAD, W_CAS, W_ADD, W_SPIN, W_BODY, W_XBODY, W_DONE, W_LOCK };
enum { R_BEGIN, R_N, R_V, R_RETRY, R_DONE };
enum { ANS_NONE, ANS_SHARED, ANS_EXCL };
enum { K_ADD, K_LOAD, K_STORE, K_END };
enum { P_NONE, P_SEQCOUNT, P_NO_WAIT, P_EARLY_END, P_NO_EXCL_WAIT, P_MM_OWNER };
enum { V_OPEN = -1, V_CORRECT, V_FALSE_EXCL, V_FALSE_SHARED, V_OUTSIDE };
#define LOCK UINT64_C(1)
#define SHARED_BIT UINT64_C(2)
#define W_BITS 11
#define R_SHIFT 33
#define RN_SHIFT 45
#define N_BIAS (UINT64_C(1) << 32)
#define RN_BIAS (UINT64_C(1) << 15)
#define MAX_OPS 7
#define MAX_PROG 15

void race_codes(int64_t *out)
{
	const int64_t c[] = { W_LOAD, W_CAS, W_ADD, W_SPIN, W_BODY, W_XBODY, W_DONE, W_LOCK,
			      R_BEGIN, R_N, R_V, R_RETRY, R_DONE, ANS_NONE, ANS_SHARED, ANS_EXCL,
			      K_ADD, K_LOAD, K_STORE, K_END, P_NONE, P_NO_WAIT, P_NO_EXCL_WAIT,
			      P_MM_OWNER, (int64_t)LOCK, (int64_t)SHARED_BIT, W_BITS, R_SHIFT,
			      RN_SHIFT, (int64_t)N_BIAS, (int64_t)RN_BIAS, MAX_OPS, MAX_PROG,
			      V_CORRECT, V_FALSE_EXCL, V_FALSE_SHARED, V_OUTSIDE };

	memcpy(out, c, sizeof(c));
}

static uint64_t hash_row(const uint64_t *row, int width)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (int j = 0; j < width; j++)
		h = (h ^ row[j]) * UINT64_C(1099511628211);
	return h ^ (h >> 29);
}

static int64_t key_of(uint64_t small, int nw, int64_t init_stage, const int64_t *nops,
		      const int64_t *radix)
{
	int64_t key = 0;

	for (int w = 0; w < nw; w++) {
		int sh = W_BITS * w;
		int64_t op = (small >> sh) & 7, st = (small >> (sh + 3)) & 7;
		int64_t pc = (small >> (sh + 6)) & 15;
		int fly = st != W_DONE && (st != init_stage || pc != 0);

		key += (op * 2 + fly) * radix[w];
	}
	(void)nops;
	return key;
}

#define IDX4(w, s, o, p) ((((w) * 2 + (s)) * MAX_OPS + (o)) * MAX_PROG + (p))
#define IDX3(w, s, o) (((w) * 2 + (s)) * MAX_OPS + (o))

/*
 * out_info: states, complete, stuck states, then the number of states per
 * verdict (open, correct, false exclusive, false shared, outside), a checksum
 * of the rows in order and one of the parents. Returns 0, or -1 (no memory).
 */
int explore(const int64_t *ints, const uint64_t *words, const uint64_t *init,
	    const int64_t *op_mm, const int64_t *op_c, const int64_t *nops, const int64_t *pkind,
	    const int64_t *ptgt, const uint64_t *pdelta, const int64_t *plen, const uint64_t *xsub,
	    const int8_t *truth, const int64_t *radix, int64_t *out_info)
{
	const int64_t proto = ints[0], nw = ints[1], k = ints[2], init_stage = ints[3];
	const uint64_t pages = (uint64_t)ints[4];
	const int64_t max_states = ints[5];
	const uint64_t excl = words[0], wmask = words[1], seq_step = words[2];
	const uint64_t word_mask = words[3], mask = words[4];
	const int width = (int)(4 + k + nw);
	const int c_reg = 2 + k, c_rs = 2 + k + nw, c_small = 3 + k + nw;
	const int mm_owner = proto == P_MM_OWNER;
	const uint64_t r_clear = ~(((UINT64_C(1) << 28) - 1) << R_SHIFT);
	int64_t cap = 1024, tsize = 2048, count = 1, head = 0, nstuck = 0;
	uint64_t *rows = malloc(sizeof(uint64_t) * cap * width);
	int64_t *parent = malloc(sizeof(int64_t) * cap);
	int8_t *verd = malloc(cap);
	int64_t *table = malloc(sizeof(int64_t) * tsize);
	uint64_t new[4 + 8 + 8];
	int complete = 1;

	if (!rows || !parent || !verd || !table)
		return -1;
	for (int64_t i = 0; i < tsize; i++)
		table[i] = -1;
	memcpy(rows, init, sizeof(uint64_t) * width);
	parent[0] = -1;
	verd[0] = V_OPEN;
	table[hash_row(rows, width) & (tsize - 1)] = 0;
	while (head < count && complete) {
		int64_t cur = head++;
		int nsucc = 0;

		if (verd[cur] != V_OPEN)
			continue;
		for (int cpu = 0; cpu <= nw; cpu++) {
			const uint64_t *crow = rows + cur * width;

			memcpy(new, crow, sizeof(uint64_t) * width);
			uint64_t small = new[c_small];
			int64_t rstage = (small >> R_SHIFT) & 7, ri = (small >> (R_SHIFT + 3)) & 7;
			int64_t ans = (small >> (R_SHIFT + 6)) & 3;
			int64_t started = (small >> (R_SHIFT + 8)) & 1;
			int64_t all_sh = (small >> (R_SHIFT + 9)) & 1;
			int64_t all_ex = (small >> (R_SHIFT + 10)) & 1;
			int64_t xm = (small >> (R_SHIFT + 11)) & 1;
			uint64_t rn = (small >> RN_SHIFT) & 0xFFFF;
			uint64_t rs = new[c_rs], seq = new[0];

			if (cpu < nw) {
				int sh = W_BITS * cpu;
				int64_t op = (small >> sh) & 7, stage = (small >> (sh + 3)) & 7;
				int64_t pc = (small >> (sh + 6)) & 15, xb = (small >> (sh + 10)) & 1;
				uint64_t reg = new[c_reg + cpu];
				int64_t op0 = op, pc0 = pc, stage0 = stage;
				int fold;

				if (stage == W_DONE)
					continue;
				if (mm_owner) {
					int64_t c = op_c[cpu * MAX_OPS + op];

					if (stage == W_LOCK) {
						if (seq & LOCK)
							continue;
						seq |= LOCK;
						stage = W_BODY;
						pc = 0;
					} else if (pc == 0) {
						new[1] = (uint64_t)((int64_t)new[1] + c);
						pc = 1;
					} else if (pc == 1) {
						int64_t mm = op_mm[cpu * MAX_OPS + op];
						int64_t total = (int64_t)(new[1] - N_BIAS);
						int shared = (seq & SHARED_BIT) != 0;
						int64_t i0 = new[2], c0 = new[3], i1 = new[4], c1 = new[5];

						if (c > 0) {
							if (i0 == mm) {
								c0 += c;
							} else if (i1 == mm) {
								c1 += c;
							} else if (i0 == 0) {
								i0 = mm;
								c0 = c;
								shared = shared || total != c;
							} else if (i1 == 0) {
								i1 = mm;
								c1 = c;
								shared = 1;
							}
						} else {
							int kept = 0;

							if (i0 == mm) {
								c0 += c;
								if (c0 > 0)
									kept = 1;
								else
									i0 = c0 = 0;
							} else if (i1 == mm) {
								c1 += c;
								if (c1 > 0)
									kept = 1;
								else
									i1 = c1 = 0;
							}
							if (!kept && (c0 == total || c1 == total))
								shared = 0;
						}
						new[2] = i0;
						new[3] = c0;
						new[4] = i1;
						new[5] = c1;
						seq &= ~SHARED_BIT;
						if (shared)
							seq |= SHARED_BIT;
						pc = 2;
					} else {
						seq &= ~LOCK;
						op += 1;
						stage = op == nops[cpu] ? W_DONE : W_LOCK;
						pc = 0;
					}
					fold = stage0 == W_LOCK || op != op0 || stage == W_DONE;
				} else {
					if (stage == W_LOAD) {
						if (seq & wmask) {
							stage = W_ADD;
							reg = 0;
						} else {
							stage = W_CAS;
							reg = seq;
						}
						pc = 0;
						xb = 0;
					} else if (stage == W_CAS) {
						if (seq == reg) {
							seq |= excl;
							stage = W_XBODY;
							xb = 1;
						} else {
							stage = W_ADD;
							xb = 0;
						}
						pc = 0;
						reg = 0;
					} else if (stage == W_ADD) {
						seq = (seq + 1) & word_mask;
						stage = proto == P_NO_EXCL_WAIT ? W_BODY : W_SPIN;
						pc = 0;
						reg = 0;
						xb = 0;
					} else if (stage == W_SPIN) {
						if (seq & excl)
							continue;
						stage = W_BODY;
						pc = 0;
						reg = 0;
						xb = 0;
					} else {
						int side = stage == W_XBODY;
						int64_t kind = pkind[IDX4(cpu, side, op, pc)];
						int64_t t = ptgt[IDX4(cpu, side, op, pc)];
						uint64_t d = pdelta[IDX4(cpu, side, op, pc)];

						if (kind == K_END) {
							seq = (seq + seq_step - d) & word_mask;
						} else if (kind == K_LOAD) {
							reg = t < 0 ? new[1] : new[2 + t];
						} else {
							if (t < 0) {
								uint64_t base = kind == K_STORE ? reg : new[1];

								new[1] = base + d;
							} else {
								uint64_t base = kind == K_STORE ? reg : new[2 + t];

								new[2 + t] = (base + d) & mask;
							}
							reg = 0;
						}
						pc += 1;
						if (pc == plen[IDX3(cpu, side, op)]) {
							op += 1;
							stage = op == nops[cpu] ? W_DONE : init_stage;
							pc = 0;
							reg = 0;
							xb = 0;
						}
					}
					fold = (stage0 == init_stage && pc0 == 0) || op != op0;
				}
				new[c_reg + cpu] = reg;
				small &= ~(((UINT64_C(1) << W_BITS) - 1) << sh);
				small |= ((uint64_t)op | ((uint64_t)stage << 3) | ((uint64_t)pc << 6) |
					  ((uint64_t)xb << 10)) << sh;
				if (fold && started == 1 && rstage != R_DONE) {
					int64_t key = key_of(small, nw, init_stage, nops, radix);

					if (truth[key * 3] == 0)
						all_sh = 0;
					if (truth[key * 3 + 1] != 0)
						all_ex = 0;
					if (mm_owner && truth[key * 3 + 2] == 0)
						xm = 0;
				}
			} else {
				int64_t started0 = started;
				uint64_t n_b = new[1];

				if (rstage == R_DONE)
					continue;
				if (started == 0) {
					int64_t key = key_of(small, nw, init_stage, nops, radix);

					started = 1;
					all_sh = truth[key * 3] != 0;
					all_ex = truth[key * 3 + 1] == 0;
					if (mm_owner)
						xm = truth[key * 3 + 2] != 0;
				}
				if (mm_owner) {
					if (rstage == R_N) {
						rn = n_b - N_BIAS + RN_BIAS;
						if (n_b <= N_BIAS + 1) {
							rstage = R_DONE;
							ans = ANS_EXCL;
						} else {
							rstage = R_V;
							ans = ANS_NONE;
						}
					} else {
						ans = (seq & SHARED_BIT) ? ANS_SHARED : ANS_EXCL;
						rstage = R_DONE;
					}
					ri = 0;
					rs = 0;
				} else if (rstage == R_BEGIN) {
					if ((seq & wmask) != 0 && proto != P_NO_WAIT) {
						if (started0 != 0)
							continue;
					} else {
						rstage = R_N;
						ri = 0;
						rs = seq;
						rn = RN_BIAS;
						ans = ANS_NONE;
					}
				} else if (rstage == R_N) {
					rn = n_b - N_BIAS + RN_BIAS;
					rstage = n_b > N_BIAS + pages ? R_DONE : R_V;
					ans = rstage == R_DONE ? ANS_SHARED : ANS_NONE;
					ri = 0;
				} else if (rstage == R_V) {
					uint64_t want = ((rn - RN_BIAS) * xsub[ri]) & mask;
					int64_t a;

					if (new[2 + ri] != want)
						a = ANS_SHARED;
					else if (ri + 1 == k)
						a = ANS_EXCL;
					else
						a = ANS_NONE;
					if (a == ANS_NONE) {
						ri += 1;
					} else {
						rstage = proto == P_NONE ? R_DONE : R_RETRY;
						ri = 0;
					}
					ans = a;
				} else {
					if (seq == rs) {
						rstage = R_DONE;
					} else {
						rstage = R_BEGIN;
						rs = 0;
						rn = RN_BIAS;
						ans = ANS_NONE;
					}
					ri = 0;
				}
			}
			new[0] = seq;
			new[c_rs] = rs;
			small &= r_clear;
			small |= ((uint64_t)rstage | ((uint64_t)ri << 3) | ((uint64_t)ans << 6) |
				  ((uint64_t)started << 8) | ((uint64_t)all_sh << 9) |
				  ((uint64_t)all_ex << 10) | ((uint64_t)xm << 11) | (rn << 12))
				 << R_SHIFT;
			new[c_small] = small;
			if (!memcmp(new, crow, sizeof(uint64_t) * width))
				continue;
			nsucc++;
			if (count == cap) {
				cap *= 2;
				rows = realloc(rows, sizeof(uint64_t) * cap * width);
				parent = realloc(parent, sizeof(int64_t) * cap);
				verd = realloc(verd, cap);
				if (!rows || !parent || !verd)
					return -1;
			}
			memcpy(rows + count * width, new, sizeof(uint64_t) * width);
			int64_t h = hash_row(new, width) & (tsize - 1);
			int seen = 0;

			while (table[h] >= 0) {
				if (!memcmp(rows + table[h] * width, new, sizeof(uint64_t) * width)) {
					seen = 1;
					break;
				}
				h = (h + 1) & (tsize - 1);
			}
			if (seen)
				continue;
			table[h] = count;
			parent[count] = cur;
			int v = V_OPEN;

			if (rstage == R_DONE) {
				if (mm_owner && ans == ANS_EXCL && all_sh == 1 && xm == 0)
					v = V_OUTSIDE;
				else if (ans == ANS_EXCL && all_sh == 1)
					v = V_FALSE_EXCL;
				else if (ans == ANS_SHARED && all_ex == 1)
					v = V_FALSE_SHARED;
				else
					v = V_CORRECT;
			}
			verd[count] = (int8_t)v;
			count++;
			if (2 * count > tsize) {
				tsize *= 2;
				free(table);
				table = malloc(sizeof(int64_t) * tsize);
				if (!table)
					return -1;
				for (int64_t i = 0; i < tsize; i++)
					table[i] = -1;
				for (int64_t idx = 0; idx < count; idx++) {
					int64_t g = hash_row(rows + idx * width, width) & (tsize - 1);

					while (table[g] >= 0)
						g = (g + 1) & (tsize - 1);
					table[g] = idx;
				}
			}
			if (count >= max_states) {
				complete = 0;
				break;
			}
		}
		if (nsucc == 0)
			nstuck++;
	}
	uint64_t rsum = 0, psum = 0;

	for (int64_t i = 0; i < count; i++) {
		rsum += hash_row(rows + i * width, width) * (uint64_t)(i + 1);
		psum += (uint64_t)parent[i] * (uint64_t)(i + 1);
	}
	out_info[0] = count;
	out_info[1] = complete;
	out_info[2] = nstuck;
	for (int v = 0; v < 5; v++)
		out_info[3 + v] = 0;
	for (int64_t i = 0; i < count; i++)
		out_info[3 + verd[i] + 1]++;
	out_info[8] = (int64_t)rsum;
	out_info[9] = (int64_t)psum;
	free(rows);
	free(parent);
	free(verd);
	free(table);
	return 0;
}
