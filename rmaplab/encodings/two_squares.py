"""Sums of two squares, for the moments family's fooling constructions
(:func:`rmaplab.encodings.moments.moments_construct` solves for up to four
free mappings with them)."""

from __future__ import annotations

import math

__all__ = ["two_squares"]


def _gauss_prime(p: int) -> tuple[int, int]:
    """a, b with a*a + b*b == p for a prime p == 1 (mod 4) (Hermite-Serret)."""
    c = 2
    while pow(c, (p - 1) // 2, p) != p - 1:
        c += 1
    r = pow(c, (p - 1) // 4, p)
    a, b = p, r
    lim = math.isqrt(p)
    while b > lim:
        a, b = b, a % b
    return b, math.isqrt(p - b * b)


def two_squares(n: int, limit: int = 64) -> list[tuple[int, int]]:
    """Representations ``n = x*x + y*y`` with ``x >= y >= 0`` (up to ``limit``)."""
    import flint

    if n < 0:
        return []
    if n == 0:
        return [(0, 0)]
    reps = [(1, 0)]  # gaussian integers as (re, im)
    scale = 1
    for fp, fe in flint.fmpz(n).factor():
        p, e = int(fp), int(fe)
        if p == 2:
            g = (1, 1)
            for _ in range(e):
                reps = [(a * g[0] - b * g[1], a * g[1] + b * g[0]) for a, b in reps]
        elif p % 4 == 3:
            if e % 2:
                return []
            scale *= p ** (e // 2)
        else:
            a0, b0 = _gauss_prime(p)
            new = []
            for k in range(e + 1):
                # pi^k * conj(pi)^(e-k)
                g = (1, 0)
                for _ in range(k):
                    g = (g[0] * a0 - g[1] * b0, g[0] * b0 + g[1] * a0)
                for _ in range(e - k):
                    g = (g[0] * a0 + g[1] * b0, -g[0] * b0 + g[1] * a0)
                new += [(a * g[0] - b * g[1], a * g[1] + b * g[0]) for a, b in reps]
            reps = new[: limit * 4]
    out = set()
    for a, b in reps:
        x, y = sorted((abs(a) * scale, abs(b) * scale), reverse=True)
        out.add((x, y))
    return sorted(out)[:limit]
