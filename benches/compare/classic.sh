#!/usr/bin/env bash
# Newton on the classic test set beside CasADi + Ipopt (exact Hessian), in
# one run: iterations, stop, f and whole-process seconds for both.
#
# Usage (from the repository root):
#   benches/compare/classic.sh [SIZES] [PROBLEMS]
#     SIZES     comma-separated n           [10000,100000]
#     PROBLEMS  comma-separated names       [all eight of examples/problems/classic.rs]
# Environment: PEERS_PY, the python of a venv with
# `pip install -r ../shared/peers/requirements.txt` [~/.venvs/peers/bin/python].
#
# Each solve is its own process, timed whole (/usr/bin/time-like, from
# Python's clock around the subprocess): ours includes building the
# objective and the Hessian extraction; Ipopt's includes CasADi's symbolic
# build. The markdown table goes to stdout, the raw lines to
# /tmp/lensdiff-classic/.
set -euo pipefail
SIZES=${1:-10000,100000}
PROBLEMS=${2:-rosenbrock,powell,broyden_tri,broyden_band,boundary,wood,chain,double_well}
PEERS_PY=${PEERS_PY:-"$HOME/.venvs/peers/bin/python"}
OUT=/tmp/lensdiff-classic
mkdir -p "$OUT"
cd "$(dirname "$0")/../.."
cargo build --release --example classic >/dev/null
"$PEERS_PY" - "$SIZES" "$PROBLEMS" "$PEERS_PY" "$OUT" <<'PY'
import json, subprocess, sys, time
sizes, problems, py, out = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3], sys.argv[4]
rows = []
for name in problems:
    for n in sizes:
        t0 = time.perf_counter()
        ours = subprocess.run(["target/release/examples/classic", "--problems", name, "--sizes", n],
                              capture_output=True, text=True, check=True).stdout
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        ipopt = subprocess.run([py, "benches/compare/classic_ipopt.py", "--problems", name,
                                "--sizes", n, "--tight-max-n", "0"],
                               capture_output=True, text=True, check=True).stdout
        t_ipopt = time.perf_counter() - t0
        o = json.loads(ours.strip().splitlines()[-1])
        i = json.loads([l for l in ipopt.splitlines() if l.startswith("{")][-1])
        rows.append((name, o["n"], o, t_ours, i, t_ipopt))
        with open(f"{out}/{name}_{n}.json", "w") as fh:
            json.dump({"ours": o, "ours_s": t_ours, "ipopt": i, "ipopt_s": t_ipopt}, fh)
print("| problem | n | ours: iters | stop | f | whole s | Ipopt: iters | status | f | whole s | time ratio |")
print("|---|---:|---:|---|---:|---:|---:|---|---:|---:|---:|")
for name, n, o, to, i, ti in rows:
    print(f"| {name} | {n} | {o.get('iterations')} | {o.get('stop', o.get('error'))} | {o.get('f', float('nan')):.10g} "
          f"| {to:.2f} | {i['iterations']} | {i['status']} | {i['f']:.10g} | {ti:.2f} | {to / ti:.3f} |")
PY
