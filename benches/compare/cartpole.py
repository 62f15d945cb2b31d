#!/usr/bin/env python3
"""Cart-pole swing-up side by side: our SQP (examples/cartpole.rs) against
CasADi + Ipopt (../shared/peers/cartpole_ipopt.py), in one run on this machine.

For each N it runs, each in its own process, ours and the peer, and reports the
whole process (start, build, solve; wall clock and peak memory from
/usr/bin/time -v), the solve alone (what each reports), iterations, objective
and constraint violation, with the ratios ours / peer. Sizes in --solo run ours
alone (Ipopt takes minutes and GBs there).

    benches/compare/cartpole.py                                  # N = 100, 1000, 10000; 100000 ours alone
    benches/compare/cartpole.py --segments 100,1000 --solo '' --repeats 5
    benches/compare/cartpole.py --umax 10 --dmax 2               # bounded: our Ipm against cartpole_bounds.py --solver ipopt

Run from the repository root after `cargo build --release --example cartpole`.
The peer's Python needs casadi and numpy (a virtual environment outside the
repository, see notes/compare.md); --python names it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def timed(cmd: list[str]) -> tuple[dict, float, float]:
    """Runs cmd under /usr/bin/time -v; its last JSON line, wall seconds
    (perf_counter around the process: /usr/bin/time prints only 10 ms), peak MB."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    secs = time.perf_counter() - t0
    line = [l for l in p.stdout.splitlines() if l.startswith("{")][-1]
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return json.loads(line), secs, rss / 1024.0


def best_of(cmd: list[str], repeats: int) -> tuple[dict, float, float, float]:
    """Median whole-process time, median reported solve time, peak MB, last JSON."""
    runs = [timed(cmd) for _ in range(repeats)]
    whole = statistics.median(r[1] for r in runs)
    solve = statistics.median(r[0]["solve_s"] for r in runs)
    return runs[-1][0], whole, solve, max(r[2] for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", default="100,1000,10000")
    ap.add_argument("--solo", default="100000", help="sizes for ours alone")
    ap.add_argument("--repeats", type=int, default=3, help="runs of ours per size (median)")
    ap.add_argument("--peer-repeats", type=int, default=1, help="runs of the peer per size")
    ap.add_argument("--python", default=os.environ.get("PEERS_PY", "/work/venv-peers/bin/python"))
    ap.add_argument("--peer", default=None, help="the peer script (default: cartpole_ipopt.py, "
                    "or cartpole_bounds.py --solver ipopt with --umax/--dmax)")
    ap.add_argument("--umax", type=float, default=None, help="|u| <= UMAX (ours: the interior-point method)")
    ap.add_argument("--dmax", type=float, default=None, help="|q1| <= DMAX")
    ap.add_argument("--ours", default=os.path.join(ROOT, "target", "release", "examples", "cartpole"))
    a = ap.parse_args()
    peers = os.path.join(ROOT, "..", "shared", "peers")
    bounded = a.umax is not None or a.dmax is not None
    limits = []
    for flag, v in (("--umax", a.umax), ("--dmax", a.dmax)):
        if v is not None:
            limits += [flag, str(v)]
    if a.peer is None:
        a.peer = os.path.join(peers, "cartpole_bounds.py" if bounded else "cartpole_ipopt.py")
    # cartpole_bounds.py bounds both by default (10, 2): pass ours' choice, infinite when not given.
    peer_args = ["--solver", "ipopt", "--umax", str(a.umax or "inf"), "--dmax", str(a.dmax or "inf")] if bounded else []
    sizes = [int(v) for v in a.segments.split(",") if v]
    solo = [int(v) for v in a.solo.split(",") if v]
    rows = []
    for n in sizes + solo:
        ours, whole, solve, mb = best_of([a.ours, "--segments", str(n), "--quiet", "--no-plots", *limits], a.repeats)
        row = {"N": n, "ours": ours, "ours_whole": whole, "ours_solve": solve, "ours_mb": mb}
        if n in sizes:
            peer, pwhole, psolve, pmb = best_of([a.python, a.peer, "--segments", str(n), *peer_args], a.peer_repeats)
            row.update(peer=peer, peer_whole=pwhole, peer_solve=psolve, peer_mb=pmb)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| N | iterations ours / Ipopt | objective ours / Ipopt | ‖c‖∞ ours / Ipopt "
          "| whole process ours / CasADi+Ipopt (ratio) | solve ours / Ipopt (ratio) | peak MB ours / peer |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        o = r["ours"]
        if "peer" in r:
            p = r["peer"]
            print(f"| {r['N']} | {o['iterations']} / {p['iterations']} "
                  f"| {o['objective']:.9f} / {p['objective']:.9f} "
                  f"| {o['max_violation']:.1e} / {p['max_violation']:.1e} "
                  f"| {r['ours_whole']:.3f} s / {r['peer_whole']:.2f} s ({r['ours_whole'] / r['peer_whole']:.3f}) "
                  f"| {r['ours_solve']:.3f} s / {r['peer_solve']:.3f} s ({r['ours_solve'] / r['peer_solve']:.3f}) "
                  f"| {r['ours_mb']:.0f} / {r['peer_mb']:.0f} |")
        else:
            print(f"| {r['N']} | {o['iterations']} / – | {o['objective']:.9f} / – "
                  f"| {o['max_violation']:.1e} / – | {r['ours_whole']:.3f} s / – | {r['ours_solve']:.3f} s / – "
                  f"| {r['ours_mb']:.0f} / – |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
