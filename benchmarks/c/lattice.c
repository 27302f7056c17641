/* The lattice enumeration step of rmaplab/_kernels/lattice.py in C (-O2):
 * the same state machine, the same float64 error bounds, the same leaf
 * buffer with snapshots, the same return codes; benchmarks/bench_lattice.py
 * drives it beside the numba kernel and checks both bit for bit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

enum { LAT_DONE = 0, LAT_LEAF = 1, LAT_PROGRESS = 2, LAT_STOPPED = 3, LAT_UNCERTAIN = 4 };
enum { MODE_ENTER = 0, MODE_NODE = 1, MODE_TRY = 2, MODE_RETURN = 3 };
enum {
    ST_LEVEL = 0, ST_MODE = 1, ST_NODES = 2, ST_BEST = 3, ST_LIMIT = 4, ST_PERIOD = 5,
    ST_XMAX = 6, ST_FORCE = 7, ST_FORCED = 8, ST_NLEAF = 9, ST_COST = 10
};
enum { COST_CALLBACK = 0, COST_SAME_SIGN_L1 = 1 };

#define U 0x1p-53

int64_t lattice_step(int64_t d, int64_t n, const double *mu, const double *bnorm,
                     const int64_t *rows, int64_t *x, int64_t *x0, int64_t *nxt, int64_t *dirn,
                     double *cen, double *cerr, double *part, double *perr, int64_t *scal,
                     int64_t *v, int64_t *leaves, int64_t *snap_i, double *snap_f, int64_t *w,
                     int64_t nbuf)
{
    int64_t i = scal[ST_LEVEL], mode = scal[ST_MODE], nodes = scal[ST_NODES];
    int64_t best = scal[ST_BEST], limit = scal[ST_LIMIT], period = scal[ST_PERIOD];
    int64_t xcap = scal[ST_XMAX];
    int64_t r2i = d * best * best;
    double r2 = (double)r2i;
    int64_t code = LAT_DONE;
    for (;;) {
        if (mode == MODE_ENTER) {
            nodes++;
            if (nodes > limit) {
                code = LAT_STOPPED;
                break;
            }
            mode = MODE_NODE;
            if (period > 0 && nodes % period == 0) {
                code = LAT_PROGRESS;
                break;
            }
        }
        if (mode == MODE_NODE) {
            if (i < 0) {
                for (int64_t j = 0; j < n; j++)
                    v[j] = w[j];
                int64_t top = 0;
                for (int64_t j = 0; j < n; j++) {
                    int64_t a = llabs(v[j]);
                    if (a > top)
                        top = a;
                }
                mode = MODE_RETURN;
                if (top == 0 || top > best)
                    continue;
                if (scal[ST_COST] == COST_SAME_SIGN_L1) {
                    int64_t pos = 0, neg = 0;
                    for (int64_t j = 0; j < n; j++) {
                        if (v[j] > 0)
                            pos += v[j];
                        else
                            neg -= v[j];
                    }
                    if ((pos > 0 && neg > 0) || pos + neg > best)
                        continue;
                }
                int64_t k = scal[ST_NLEAF], sign = 1;
                for (int64_t j = 0; j < n; j++)
                    if (v[j] != 0) {
                        if (v[j] < 0)
                            sign = -1;
                        break;
                    }
                for (int64_t j = 0; j < n; j++)
                    leaves[k * n + j] = sign * v[j];
                int64_t *si = snap_i + k * (4 * d + 1);
                double *sf = snap_f + k * (4 * d + 2);
                for (int64_t j = 0; j < d; j++) {
                    si[j] = x[j];
                    si[d + j] = x0[j];
                    si[2 * d + j] = nxt[j];
                    si[3 * d + j] = dirn[j];
                    sf[j] = cen[j];
                    sf[d + j] = cerr[j];
                }
                for (int64_t j = 0; j < d + 1; j++) {
                    sf[2 * d + j] = part[j];
                    sf[3 * d + 1 + j] = perr[j];
                }
                si[4 * d] = nodes;
                scal[ST_NLEAF] = k + 1;
                if (k + 1 == nbuf) {
                    code = LAT_LEAF;
                    break;
                }
                continue;
            }
            double c = 0.0, amag = 0.0;
            for (int64_t j = i + 1; j < d; j++) {
                double t = mu[j * d + i] * (double)x[j];
                c -= t;
                amag += fabs(t);
            }
            double ec = 2.0 * (double)(d + 4) * U * amag;
            double fl = floor(c);
            double f = c - fl;
            int64_t q;
            if (scal[ST_FORCE] != 0) {
                scal[ST_FORCE] = 0;
                q = scal[ST_FORCED];
            } else if (fabs(f - 0.5) <= ec + 4.0 * U) {
                code = LAT_UNCERTAIN;
                break;
            } else {
                q = (int64_t)fl;
                if (f > 0.5)
                    q++;
            }
            x0[i] = q;
            nxt[i] = q;
            dirn[i] = 0;
            cen[i] = c;
            cerr[i] = ec;
            mode = MODE_TRY;
        }
        if (mode == MODE_TRY) {
            int64_t xi = nxt[i];
            if (llabs(xi) > xcap) {
                code = LAT_UNCERTAIN;
                break;
            }
            double t = (double)xi - cen[i];
            double at = fabs(t);
            double et = cerr[i] + 2.0 * U * at;
            double b = bnorm[i];
            double term = t * t * b;
            double eterm = 8.0 * U * term + 2.0 * b * et * (2.0 * at + et);
            double p = part[i + 1] + term;
            double ep = perr[i + 1] + eterm + 2.0 * U * p;
            double margin = ep + 4.0 * U * (p + r2);
            int over;
            if (scal[ST_FORCE] != 0) {
                scal[ST_FORCE] = 0;
                over = scal[ST_FORCED] != 0;
            } else if (p - margin > r2) {
                over = 1;
            } else if (p + margin <= r2) {
                over = 0;
            } else if (i == 0) {
                for (int64_t j = 0; j < n; j++)
                    v[j] = w[n + j] + xi * rows[j];
                int64_t s = 0;
                over = 0;
                for (int64_t j = 0; j < n; j++) {
                    int64_t a = llabs(v[j]);
                    if (a >= ((int64_t)1 << 31)) {
                        over = 1;
                        break;
                    }
                    s += a * a;
                    if (s > r2i) {
                        over = 1;
                        break;
                    }
                }
            } else {
                code = LAT_UNCERTAIN;
                break;
            }
            if (over) {
                if (dirn[i] == 0) {
                    dirn[i] = 1;
                    nxt[i] = x0[i] - 1;
                    continue;
                }
                x[i] = 0;
                mode = MODE_RETURN;
                continue;
            }
            x[i] = xi;
            for (int64_t j = 0; j < n; j++)
                w[i * n + j] = w[(i + 1) * n + j] + xi * rows[i * n + j];
            nxt[i] = dirn[i] == 0 ? xi + 1 : xi - 1;
            part[i] = p;
            perr[i] = ep;
            i--;
            mode = MODE_ENTER;
            continue;
        }
        if (mode == MODE_RETURN) {
            i++;
            if (i >= d) {
                code = LAT_DONE;
                break;
            }
            mode = MODE_TRY;
        }
    }
    scal[ST_LEVEL] = i;
    scal[ST_MODE] = mode;
    scal[ST_NODES] = nodes;
    return code;
}
