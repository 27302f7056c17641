/*
 * rmaplab._kernels.schemes._schemes_kernel in C, for benchmarks/bench_compare.py:
 * one workload replayed through every peer scheme at once. Same arrays,
 * same arithmetic, same order of updates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct st {
	int64_t nf, nmm, nw, nv, id_bits, P;
	uint64_t *pages, mask;
	int64_t *tcount, *nmapping, *legacy, *total, *owner, *others, *slot_id, *slot_cnt,
		*bit, *mo_total, *bc_n, *bc_bits, *rmc;
	uint64_t *rv;
	const int64_t *ids;
	const uint64_t *subids;
};

static void event(struct st *s, int64_t f, int64_t m, int64_t c, int64_t page0)
{
	s->legacy[f] += page0;
	s->total[f] += c;
	if (c > 0 && s->owner[f] < 0)
		s->owner[f] = m;
	if (m != s->owner[f])
		s->others[f] += c;
	int64_t *sid = s->slot_id + 2 * f, *scnt = s->slot_cnt + 2 * f;
	if (c > 0) {
		if (sid[0] == m + 1)
			scnt[0] += c;
		else if (sid[1] == m + 1)
			scnt[1] += c;
		else if (sid[0] == 0) {
			sid[0] = m + 1; scnt[0] = c;
			if (s->mo_total[f] > 0) s->bit[f] = 1;
		} else if (sid[1] == 0) {
			sid[1] = m + 1; scnt[1] = c;
			if (s->mo_total[f] > 0) s->bit[f] = 1;
		}
		s->mo_total[f] += c;
	} else {
		s->mo_total[f] += c;
		int check = 1;
		for (int k = 0; k < 2; k++) {
			if (sid[k] == m + 1) {
				scnt[k] += c;
				if (scnt[k] <= 0) { sid[k] = 0; scnt[k] = 0; }
				else check = 0;
			}
		}
		if (check && (scnt[0] == s->mo_total[f] || scnt[1] == s->mo_total[f]))
			s->bit[f] = 0;
	}
	s->bc_n[f] += c;
	for (int64_t b = 0; b < s->id_bits; b++)
		if ((s->ids[m] >> b) & 1)
			s->bc_bits[f * s->id_bits + b] += c;
	uint64_t *v = s->rv + f * s->nv;
	const uint64_t *sub = s->subids + m * s->nv;
	if (c > 0) {
		for (int64_t k = 0; k < s->nv; k++)
			v[k] = (v[k] + (uint64_t)c * sub[k]) & s->mask;
	} else {
		for (int64_t k = 0; k < s->nv; k++)
			v[k] = (v[k] - (uint64_t)(-c) * sub[k]) & s->mask;
	}
	s->rmc[f] += c;
	int64_t before = s->tcount[f * s->nmm + m];
	s->tcount[f * s->nmm + m] = before + c;
	if (before == 0 && c > 0)
		s->nmapping[f]++;
	else if (before + c == 0 && before > 0)
		s->nmapping[f]--;
}

#define ALLOC(p, n) do { (p) = calloc((size_t)(n) > 0 ? (size_t)(n) : 1, sizeof(*(p))); } while (0)

int replay(int64_t n, const int8_t *kind, const int64_t *folio, const int64_t *mm,
	   const int64_t *a, const int64_t *b, int64_t nf, int64_t order,
	   const int64_t *ids, int64_t nmm, int64_t id_bits, const uint64_t *subids,
	   int64_t nv, uint64_t mask, int64_t *stats, int64_t *status)
{
	struct st s = { .nf = nf, .nmm = nmm, .nv = nv, .id_bits = id_bits, .mask = mask,
			.ids = ids, .subids = subids };
	s.P = (int64_t)1 << order;
	s.nw = (s.P + 63) / 64;
	ALLOC(s.pages, nf * nmm * s.nw); ALLOC(s.tcount, nf * nmm); ALLOC(s.nmapping, nf);
	ALLOC(s.legacy, nf); ALLOC(s.total, nf); ALLOC(s.owner, nf); ALLOC(s.others, nf);
	ALLOC(s.slot_id, 2 * nf); ALLOC(s.slot_cnt, 2 * nf); ALLOC(s.bit, nf);
	ALLOC(s.mo_total, nf); ALLOC(s.bc_n, nf); ALLOC(s.bc_bits, nf * id_bits);
	ALLOC(s.rv, nf * nv); ALLOC(s.rmc, nf);
	for (int64_t f = 0; f < nf; f++)
		s.owner[f] = -1;
	uint64_t *rng = calloc(s.nw, sizeof(*rng));
	int64_t ans[6];
	status[0] = 0; status[1] = -1;
	for (int64_t i = 0; i < n; i++) {
		int op = kind[i];
		int64_t f = folio[i], m = mm[i];
		if (op == 0 || op == 1) {
			int64_t start = a[i], cnt = b[i];
			if (start < 0 || cnt < 1 || start + cnt > s.P) { status[0] = 1; status[1] = i; break; }
			memset(rng, 0, s.nw * sizeof(*rng));
			for (int64_t p = start; p < start + cnt; p++)
				rng[p >> 6] |= 1ULL << (p & 63);
			uint64_t *pg = s.pages + (f * nmm + m) * s.nw;
			int64_t cntb = 0;
			int bad = 0;
			for (int64_t w = 0; w < s.nw; w++) {
				if (op == 0) {
					if (pg[w] & rng[w]) { bad = 1; break; }
					pg[w] |= rng[w];
					cntb += __builtin_popcountll(rng[w]);
				} else {
					uint64_t hit = pg[w] & rng[w];
					cntb += __builtin_popcountll(hit);
					rng[w] = hit;
					pg[w] &= ~hit;
				}
			}
			if (bad) { status[0] = 2; status[1] = i; break; }
			if (!cntb)
				continue;
			int64_t p0 = (int64_t)(rng[0] & 1);
			event(&s, f, m, op == 0 ? cntb : -cntb, op == 0 ? p0 : -p0);
		} else if (op == 2 || op == 3) {
			int64_t child = a[i];
			for (int64_t f2 = 0; f2 < nf; f2++) {
				int64_t c = s.tcount[f2 * nmm + m];
				if (!c)
					continue;
				uint64_t *pm = s.pages + (f2 * nmm + m) * s.nw;
				int64_t p0 = (int64_t)(pm[0] & 1);
				if (op == 2) {
					uint64_t *pc = s.pages + (f2 * nmm + child) * s.nw;
					for (int64_t w = 0; w < s.nw; w++)
						pc[w] |= pm[w];
					event(&s, f2, child, c, p0);
				} else {
					memset(pm, 0, s.nw * sizeof(*pm));
					event(&s, f2, m, -c, -p0);
				}
			}
		} else if (op == 4) {
			int64_t pgi = a[i];
			uint64_t *pm = s.pages + (f * nmm + m) * s.nw;
			if (!((pm[pgi >> 6] >> (pgi & 63)) & 1))
				continue;
			int truly = s.nmapping[f] > 1;
			ans[0] = s.legacy[f] > 1;
			ans[1] = 1;
			ans[2] = !(m == s.owner[f] && s.others[f] == 0);
			ans[3] = s.mo_total[f] <= 1 ? 0 : s.bit[f];
			int64_t x = 0;
			for (int64_t bb = 0; bb < id_bits; bb++) {
				int64_t want = ((ids[m] >> bb) & 1) ? s.bc_n[f] : 0;
				if (s.bc_bits[f * id_bits + bb] != want)
					x = 1;
			}
			ans[4] = x;
			x = 0;
			if (s.rmc[f] > s.P) {
				x = 1;
			} else {
				uint64_t un = (uint64_t)s.rmc[f];
				for (int64_t k = 0; k < nv; k++)
					if (s.rv[f * nv + k] != ((un * subids[m * nv + k]) & mask))
						x = 1;
			}
			ans[5] = x;
			for (int r = 0; r < 6; r++) {
				stats[r * 3] += 1;
				if (ans[r] == 0 && truly) stats[r * 3 + 1] += 1;
				if (ans[r] == 1 && !truly) stats[r * 3 + 2] += 1;
			}
			if (truly) {
				pm[pgi >> 6] &= ~(1ULL << (pgi & 63));
				event(&s, f, m, -1, pgi == 0 ? -1 : 0);
			}
		} else {
			status[0] = 3; status[1] = i; break;
		}
	}
	free(rng); free(s.pages); free(s.tcount); free(s.nmapping); free(s.legacy); free(s.total);
	free(s.owner); free(s.others); free(s.slot_id); free(s.slot_cnt); free(s.bit);
	free(s.mo_total); free(s.bc_n); free(s.bc_bits); free(s.rv); free(s.rmc);
	return (int)status[0];
}
