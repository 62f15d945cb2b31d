#!/usr/bin/env python3
"""Reference minima for the classic test set (examples/problems/classic.rs):
CasADi SX + Ipopt with the exact Hessian.

The problems are stated here a second time, independently of the Rust code:
the extended Rosenbrock, extended Powell singular, Broyden tridiagonal,
Broyden banded, discrete boundary value and extended Wood functions of
More, Garbow & Hillstrom (1981) with their standard starts, a hanging chain
started compressed on its chord, and the double well started at its maximum.

Prints one JSON line per problem and n: build and solve seconds, Ipopt's
iterations and status, and the optimal f. With --out FILE it also writes all
of them as one JSON object {problem: {n: {...}}}; for n <= --tight-max-n a
second solve with tol = 1e-12 gives "f_tight", the reference the tests use.

    python classic_ipopt.py --sizes 1000 --tsv tests/data/classic_ipopt.txt
    python classic_ipopt.py --sizes 10000,100000 --out /tmp/classic_ipopt.json
"""
from __future__ import annotations

import argparse
import json
import time

PROBLEMS = ["rosenbrock", "powell", "broyden_tri", "broyden_band", "boundary", "wood",
            "chain", "double_well"]
CHAIN_SLACK, CHAIN_STIFFNESS = 1.5, 1.0


def block(name, n):
    """n rounded down to the problem's block size (as in classic.rs)."""
    b = {"rosenbrock": 2, "chain": 2, "powell": 4, "wood": 4}.get(name, 1)
    return max(n // b, 1) * b


def problem(ca, name, n):
    """(x, f(x), x0) as CasADi SX."""
    x = ca.SX.sym("x", n)
    if name == "rosenbrock":
        a, b = x[0::2], x[1::2]
        f = 100 * ca.sumsqr(b - a**2) + ca.sumsqr(a - 1)
        x0 = [-1.2 if i % 2 == 0 else 1.0 for i in range(n)]
    elif name == "powell":
        q = [x[r::4] for r in range(4)]
        f = (ca.sumsqr(q[0] + 10 * q[1]) + 5 * ca.sumsqr(q[2] - q[3])
             + ca.sum1((q[1] - 2 * q[2])**4) + 10 * ca.sum1((q[0] - q[3])**4))
        x0 = [[3.0, -1.0, 0.0, 1.0][i % 4] for i in range(n)]
    elif name == "broyden_tri":
        xp = ca.vertcat(0, x, 0)
        r = (3 - 2 * x) * x - xp[0:n] - 2 * xp[2:n + 2] + 1
        f = ca.sumsqr(r)
        x0 = [-1.0] * n
    elif name == "broyden_band":
        t = x * (1 + x)
        tp = ca.vertcat(ca.SX.zeros(5), t, ca.SX.zeros(1))
        others = sum(tp[s:s + n] for s in [0, 1, 2, 3, 4, 6])
        r = x * (2 + 5 * x**2) + 1 - others
        f = ca.sumsqr(r)
        x0 = [-1.0] * n
    elif name == "boundary":
        h = 1.0 / (n + 1)
        t = ca.DM([(i + 1) * h for i in range(n)])
        xp = ca.vertcat(0, x, 0)
        r = 2 * x - xp[0:n] - xp[2:n + 2] + 0.5 * h * h * (x + t + 1)**3
        f = ca.sumsqr(r)
        x0 = [((i + 1) * h) * ((i + 1) * h - 1) for i in range(n)]
    elif name == "wood":
        q = [x[r::4] for r in range(4)]
        f = (100 * ca.sumsqr(q[1] - q[0]**2) + ca.sumsqr(q[0] - 1)
             + 90 * ca.sumsqr(q[3] - q[2]**2) + ca.sumsqr(q[2] - 1)
             + 10 * ca.sumsqr(q[1] + q[3] - 2) + 0.1 * ca.sumsqr(q[1] - q[3]))
        x0 = [[-3.0, -1.0, -3.0, -1.0][i % 4] for i in range(n)]
    elif name == "chain":
        m = n // 2
        links = m + 1
        ell = CHAIN_SLACK / links
        px = ca.vertcat(0, x[0::2], 1)
        py = ca.vertcat(0, x[1::2], 0)
        dx, dy = px[1:] - px[:-1], py[1:] - py[:-1]
        stretch = (dx**2 + dy**2) / (ell * ell) - 1
        f = ca.sum1(x[1::2]) / links + CHAIN_STIFFNESS * ca.sumsqr(stretch)
        x0 = [((i // 2 + 1) / links) if i % 2 == 0 else 0.0 for i in range(n)]
    elif name == "double_well":
        f = ca.sum1(x**4 / 4 - x**2 / 2)
        x0 = [0.0] * n
    else:
        raise ValueError(name)
    return x, f, x0


def solve(name, n, tol):
    import casadi as ca

    t0 = time.perf_counter()
    x, f, x0 = problem(ca, name, n)
    solver = ca.nlpsol("s", "ipopt", {"x": x, "f": f}, {
        "ipopt.tol": tol, "ipopt.max_iter": 3000, "ipopt.print_level": 0,
        "print_time": False, "ipopt.hessian_approximation": "exact",
    })
    t1 = time.perf_counter()
    sol = solver(x0=x0)
    t2 = time.perf_counter()
    stats = solver.stats()
    return {
        "problem": name, "n": n, "build_s": t1 - t0, "solve_s": t2 - t1,
        "iterations": stats["iter_count"], "status": stats["return_status"],
        "f": float(sol["f"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--tight-max-n", type=int, default=1000)
    ap.add_argument("--out", default=None)
    ap.add_argument("--tsv", default=None,
                    help="also write 'problem n f_tight iterations status' lines (the tests read these)")
    args = ap.parse_args()
    table = {}
    for name in args.problems.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            n = block(name, n)
            row = solve(name, n, 1e-8)
            if n <= args.tight_max_n:
                row["f_tight"] = solve(name, n, 1e-12)["f"]
            print(json.dumps(row), flush=True)
            table.setdefault(name, {})[str(n)] = row
    if args.tsv:
        with open(args.tsv, "w") as fh:
            fh.write("# problem n f_tight ipopt_iterations ipopt_status "
                     "(benches/compare/classic_ipopt.py, CasADi + Ipopt, exact Hessian)\n")
            for name, rows in table.items():
                for n, row in rows.items():
                    f = row.get("f_tight", row["f"])
                    fh.write(f"{name} {n} {f!r} {row['iterations']} {row['status']}\n")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(table, fh, indent=1, sort_keys=True)
            fh.write("\n")


if __name__ == "__main__":
    main()
