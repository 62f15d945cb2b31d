"""Times LAPACK banded solvers through scipy on the matrices of benches/banded_table.rs.

usage: python benches/lapack_band.py N K [REPS]
Prints one line per solver: `lapack <solver> n=<N> k=<K> median=<seconds> min=<seconds>`.
Solvers: solveh_banded, pbtrf+pbtrs (cholesky_banded then cho_solve_banded), solve_banded.

Matrices (identical to benches/banded_table.rs, deterministic, no RNG):
  off-diagonal  A[i][j] = ((7*min(i,j) + 13*max(i,j)) % 17) / 8.5 - 1   for 0 < |i-j| <= k
  diagonal      A[j][j] = 2*(2k+1) + (5*j % 11) / 11
symmetric, strictly diagonally dominant -> SPD (Cholesky) and no pivoting needed (LU with kl = ku = k).
  solveh_banded: upper storage ab[k + i - j, j]   (LAPACK pbsv; scipy uses ptsv when k == 1)
  solve_banded:  (k, k) storage ab[k + i - j, j]  (LAPACK gbsv; scipy uses gtsv when kl == ku == 1)
  pbtrf+pbtrs:   the same upper storage through cholesky_banded + cho_solve_banded (LAPACK
                 pbtrf + pbtrs at every k, also k == 1)
Timed: one factor+solve call with overwrite_ab=False, check_finite=False (scipy copies ab, like
our `cholesky(&self)` / `lu(&self)` copy the band).
"""
import sys
import time

import numpy as np
from scipy.linalg import cho_solve_banded, cholesky_banded, solve_banded, solveh_banded


def offdiag(i, j):
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return ((7 * lo + 13 * hi) % 17) / 8.5 - 1.0


def diag(j, k):
    return 2.0 * (2 * k + 1) + (5 * j % 11) / 11.0


def upper_band(n, k):
    j = np.arange(n)
    ab = np.zeros((k + 1, n))
    for r in range(k):
        i = j - k + r
        ok = i >= 0
        ab[r, ok] = offdiag(i[ok], j[ok])
    ab[k] = diag(j, k)
    return ab


def general_band(n, k):
    j = np.arange(n)
    ab = np.zeros((2 * k + 1, n))
    ab[: k + 1] = upper_band(n, k)
    for r in range(k + 1, 2 * k + 1):
        i = j - k + r
        ok = i < n
        ab[r, ok] = offdiag(i[ok], j[ok])
    return ab


def rhs(n):
    return np.sin(np.arange(n) * 0.001) + 1.0


def median_time(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def main():
    n, k = int(sys.argv[1]), int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    b = rhs(n)
    ab = upper_band(n, k)
    x = solveh_banded(ab, b, overwrite_ab=False, check_finite=False)
    med, mn = median_time(lambda: solveh_banded(ab, b, overwrite_ab=False, check_finite=False), reps)
    print(f"lapack solveh_banded n={n} k={k} median={med:.9f} min={mn:.9f} x0={x[0]:.15e}")
    def pb():
        c = cholesky_banded(ab, overwrite_ab=False, check_finite=False)
        return cho_solve_banded((c, False), b, overwrite_b=False, check_finite=False)

    x = pb()
    med, mn = median_time(pb, reps)
    print(f"lapack pbtrf+pbtrs n={n} k={k} median={med:.9f} min={mn:.9f} x0={x[0]:.15e}")
    gb = general_band(n, k)
    x = solve_banded((k, k), gb, b, overwrite_ab=False, check_finite=False)
    med, mn = median_time(lambda: solve_banded((k, k), gb, b, overwrite_ab=False, check_finite=False), reps)
    print(f"lapack solve_banded n={n} k={k} median={med:.9f} min={mn:.9f} x0={x[0]:.15e}")


if __name__ == "__main__":
    main()
