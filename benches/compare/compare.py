#!/usr/bin/env python3
"""Side-by-side figures: lensdiff against JAX, CasADi and the Rust AD peers.

Driven by ``compare.sh`` (which builds the binaries and passes the options);
it can also be called directly:

    python3 compare.py run   --results DIR [options]   # measure, save raw JSON, print the table
    python3 compare.py table --results DIR             # re-print the table from DIR (no timing)

Standard library only (the peers run in their own virtualenv as child
processes).  Every measurement is a separate child process; before each one
the script waits (up to --quiet-wait s) for the machine to be idle and
records ``foreign_cpu_s``, the CPU seconds used by *other* processes while
the child ran.  Rows where that is large are marked in the table.

Raw data written to DIR:
  meta.json          options, git revision of lensdiff, date, step durations
  ours_bench.json    our bench example, one row per (objective, n)
  ours_newton.json   our Newton-only process runs (whole-process wall time)
  jax.json           peers/bench_jax.py (f, grad, hvp, band, solveh_banded)
  solve_jax.json     peers/solve_jax.py (damped Newton, cold and warm)
  casadi.json        peers/bench_casadi.py (SX sparse Hessian) and Ipopt rows
  rust/<lib>/        peers-rust output (tables.md, raw.tsv) per library
  rust.json          those raw.tsv files as JSON
  table.md           the printed table
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

TOOLS = ("ours", "jax", "casadi", "echidna", "ad_trait", "num-dual")
FOREIGN_CPU_WARN_S = 0.5  # mark rows whose foreign CPU exceeded this


# ---------------------------------------------------------------- helpers

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def csv_list(s, conv=str):
    return [conv(v) for v in s.split(",") if v.strip()] if s else []


def jiffies():
    """(busy, total) jiffies over all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat") as fh:
            vals = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)


def busy_now(window=1.0):
    a = jiffies()
    time.sleep(window)
    b = jiffies()
    if not a or not b or b[1] == a[1]:
        return None
    return (b[0] - a[0]) / (b[1] - a[1])


def wait_idle(max_wait, max_busy=0.10):
    t0 = time.monotonic()
    frac = busy_now()
    told = False
    while frac is not None and frac > max_busy and time.monotonic() - t0 < max_wait:
        if not told:
            log(f"  (waiting for an idle machine, busy {frac:.0%})")
            told = True
        frac = busy_now(2.0)
    return frac


def timed_child(argv, timeout, cwd=None, env=None):
    """Run argv under /usr/bin/time -v.  Returns dict(rc, wall_s, stdout,
    stderr_tail, peak_rss_mb, own_cpu_s, foreign_cpu_s)."""
    timev = ["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []
    e = dict(os.environ)
    if env:
        e.update(env)
    j0 = jiffies()
    t0 = time.perf_counter()
    try:
        p = subprocess.run(timev + argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=e)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        def _s(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        rc, out, err = f"timeout>{timeout:.0f}s", _s(ex.stdout), _s(ex.stderr)
    wall = time.perf_counter() - t0
    j1 = jiffies()
    res = {"rc": rc, "wall_s": wall, "stdout": out, "stderr_tail": err[-3000:],
           "peak_rss_mb": None, "own_cpu_s": None, "foreign_cpu_s": None}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    if m:
        res["peak_rss_mb"] = int(m.group(1)) / 1024.0
    mu = re.search(r"User time \(seconds\): ([\d.]+)", err)
    ms = re.search(r"System time \(seconds\): ([\d.]+)", err)
    if mu and ms:
        res["own_cpu_s"] = float(mu.group(1)) + float(ms.group(1))
        if j0 and j1:
            busy = (j1[0] - j0[0]) / os.sysconf("SC_CLK_TCK")
            res["foreign_cpu_s"] = round(max(0.0, busy - res["own_cpu_s"]), 2)
    return res


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def save(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1)


def load(path, default=None):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError):
        return default


def fill(template, obj, n):
    return shlex.split(template.replace("{obj}", obj).replace("{n}", str(n)))


# ---------------------------------------------------------------- steps

def step_ours(a, R):
    rows = []
    for obj in a.objectives:
        for n in a.sizes:
            argv = fill(a.ours_bench_cmd, obj, n) + ["--reps", str(a.repeats)]
            wait_idle(a.quiet_wait)
            r = timed_child(argv, a.timeout, cwd=a.repo)
            js = last_json_line(r["stdout"]) if r["rc"] == 0 else None
            row = {"objective": obj, "n": n, "cmd": " ".join(argv), "status": "ok" if js else f"rc={r['rc']}",
                   "process_wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"],
                   "foreign_cpu_s": r["foreign_cpu_s"], "result": js}
            if not js:
                row["stderr_tail"] = r["stderr_tail"]
            rows.append(row)
            log(f"  ours {obj} n={n}: {row['status']} ({r['wall_s']:.1f} s, foreign CPU {r['foreign_cpu_s']} s)")
            save(os.path.join(R, "ours_bench.json"), rows)


def step_ours_newton(a, R):
    rows = []
    for obj in a.objectives:
        for n in a.newton_sizes:
            argv = fill(a.ours_newton_cmd, obj, n)
            runs = []
            for _ in range(a.whole_reps):
                wait_idle(a.quiet_wait)
                r = timed_child(argv, a.timeout, cwd=a.repo)
                js = last_json_line(r["stdout"]) if r["rc"] == 0 else None
                runs.append({"wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"],
                             "foreign_cpu_s": r["foreign_cpu_s"], "result": js,
                             "status": "ok" if js else f"rc={r['rc']}",
                             **({} if js else {"stderr_tail": r["stderr_tail"]})})
            ok = [x for x in runs if x["status"] == "ok"]
            # A binary without --newton-only ignores the flag and runs the whole bench.
            full = any((x["result"] or {}).get("f_s") is not None for x in ok)
            row = {"objective": obj, "n": n, "cmd": " ".join(argv), "status": "ok" if ok else runs[0]["status"],
                   "newton_only": not full, "runs": runs}
            if ok:
                row["whole_process_s"] = statistics.median(x["wall_s"] for x in ok)
                row["newton_s"] = statistics.median(x["result"]["newton_s"] for x in ok)
                row["newton_iters"] = ok[0]["result"].get("newton_iters")
                row["newton_stop"] = ok[0]["result"].get("newton_stop")
                row["peak_rss_mb"] = max((x["peak_rss_mb"] or 0) for x in ok)
                row["foreign_cpu_s"] = max((x["foreign_cpu_s"] or 0) for x in ok)
            rows.append(row)
            log(f"  ours newton-only {obj} n={n}: {row['status']} whole {row.get('whole_process_s', float('nan')):.3f} s"
                + ("" if not full else " (binary ran the FULL bench: no --newton-only support)"))
            save(os.path.join(R, "ours_newton.json"), rows)


def peer(a, script, args, timeout):
    """Run a peer script, streaming its progress lines (not its tables) to stderr."""
    argv = [a.py, os.path.join(a.peers_dir, script)] + args
    log(f"  $ {' '.join(shlex.quote(x) for x in argv)}")
    deadline = time.monotonic() + timeout
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=a.peers_dir)
    tail = []
    for line in p.stdout:
        tail = (tail + [line])[-40:]
        if line.strip() and not line.startswith("|") and not line.startswith("    check"):
            log("    " + line.rstrip()[:300])
        if time.monotonic() > deadline:
            p.kill()
            log(f"  {script} killed after {timeout:.0f} s")
            break
    rc = p.wait()
    if rc != 0:
        log(f"  {script} failed rc={rc}\n{''.join(tail)[-2000:]}")
    return rc


def grad_inf_x0(R, obj, n):
    for r in (load(os.path.join(R, "jax.json"), {}) or {}).get("rows", []):
        if r.get("objective") == obj and r.get("n") == n and r.get("grad_inf_x0") is not None:
            return r["grad_inf_x0"]
    return None


def newton_tol(a, R, obj, n):
    """Our stopping test: ||g||_inf <= rtol * max(1, ||g(x0)||_inf).  Use the
    same absolute tolerance for the peers (||g(x0)|| from bench_jax)."""
    g0 = grad_inf_x0(R, obj, n)
    return (a.newton_rtol * max(1.0, g0), "relative") if g0 is not None else (a.newton_rtol, "absolute (no g0)")


def step_jax(a, R):
    common = ["--repeats", str(a.repeats), "--quiet-wait", str(a.quiet_wait)]
    out = os.path.join(R, "jax.json")
    if os.path.exists(out):
        os.remove(out)
    # g0 is needed for the Newton tolerance, so bench_jax also covers the Newton sizes.
    sizes = sorted(set(a.sizes) | set(a.newton_sizes))
    peer(a, "bench_jax.py", ["--objectives", ",".join(a.objectives), "--sizes", ",".join(map(str, sizes)),
                             "--budget", str(a.peer_budget), "--out", out] + common, a.peer_budget + 120)
    out = os.path.join(R, "solve_jax.json")
    if os.path.exists(out):
        os.remove(out)
    tols = {}
    for n in a.newton_sizes:
        for obj in a.objectives:
            tol, kind = newton_tol(a, R, obj, n)
            tols[f"{obj}/{n}"] = {"tol": tol, "kind": kind}
            peer(a, "solve_jax.py", ["--no-gd", "--objectives", obj, "--newton-sizes", str(n), "--tol", repr(tol),
                                     "--quiet-wait", str(a.quiet_wait), "--out", out, "--update"], a.timeout + 60)
    meta = load(os.path.join(R, "meta.json"), {})
    meta["newton_tolerances"] = tols
    save(os.path.join(R, "meta.json"), meta)


def step_casadi(a, R):
    out = os.path.join(R, "casadi.json")
    if os.path.exists(out):
        os.remove(out)
    sizes = [n for n in a.sizes if n <= a.casadi_max_n]
    common = ["--repeats", str(a.repeats), "--quiet-wait", str(a.quiet_wait), "--out", out, "--update"]
    if sizes:
        peer(a, "bench_casadi.py", ["--objectives", ",".join(a.objectives), "--sizes", ",".join(map(str, sizes)),
                                    "--no-ipopt", "--budget", str(a.peer_budget)] + common, a.peer_budget + 120)
    for n in a.ipopt_sizes:
        for obj in a.objectives:
            tol, _ = newton_tol(a, R, obj, n)
            peer(a, "bench_casadi.py", ["--objectives", obj, "--sizes", "", "--ipopt-n", str(n),
                                        "--ipopt-tol", repr(tol), "--timeout", str(a.timeout),
                                        "--ipopt-max-wall", str(a.timeout - 20)] + common, a.timeout + 60)


def step_rust(a, R):
    plan = []
    for lib in a.rust_libs:
        cap = {"ad_trait": a.adtrait_max_n, "num-dual": a.numdual_max_n}.get(lib)
        ns = [n for n in a.sizes if cap is None or n <= cap]
        if ns:
            plan.append((lib, ns))
    rows = []
    for lib, ns in plan:
        d = os.path.join(R, "rust", lib)
        os.makedirs(d, exist_ok=True)
        argv = [a.peers_rust_bin, "--libs", lib, "--objs", ",".join(a.objectives), "--ns", ",".join(map(str, ns)),
                "--no-ref", "--no-adtrait-probe", "--out", d]
        log(f"  $ {' '.join(argv)}")
        wait_idle(a.quiet_wait)
        r = timed_child(argv, a.rust_timeout)
        log(f"    {lib}: rc={r['rc']} {r['wall_s']:.1f} s, peak RSS {r['peak_rss_mb']} MB, "
            f"foreign CPU {r['foreign_cpu_s']} s")
        if r["rc"] != 0:
            log(r["stderr_tail"])
        run = {"lib": lib, "ns": ns, "rc": r["rc"], "wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"],
               "foreign_cpu_s": r["foreign_cpu_s"], "records": []}
        try:
            with open(os.path.join(d, "raw.tsv")) as fh:
                for rec in csv.DictReader(fh, delimiter="\t"):
                    rec["n"] = int(rec["n"])
                    rec["seconds"] = float(rec["seconds"]) if rec["seconds"] else None
                    run["records"].append(rec)
        except OSError:
            pass
        rows.append(run)
        save(os.path.join(R, "rust.json"), rows)


# ---------------------------------------------------------------- table

def fmt_t(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r):
    """ours/peer: two decimals near 1, '1/x' when ours is more than 10x faster."""
    if r <= 0:
        return f"{r:.2f}"
    if r < 0.1:
        return f"1/{1.0 / r:.0f}" if r < 0.01 else f"1/{1.0 / r:.1f}"
    return f"{r:.2f}" if r < 10 else f"{r:.1f}"


def collect(R):
    """{(tool, obj, n): {metric: seconds, ...}} plus notes."""
    T = {}
    notes = []

    def put(tool, obj, n, **kv):
        d = T.setdefault((tool, obj, n), {})
        d.update({k: v for k, v in kv.items() if v is not None})

    for r in load(os.path.join(R, "ours_bench.json"), []) or []:
        js = r.get("result")
        if not js:
            notes.append(f"ours {r['objective']} n={r['n']}: {r['status']}")
            continue
        put("ours", r["objective"], r["n"], f=js.get("f_s"), grad=js.get("grad_s"), hvp=js.get("hvp_s"),
            band=js.get("band_s"), solve=js.get("factor_solve_s"), newton=js.get("newton_s"),
            iters=js.get("newton_iters"), foreign=r.get("foreign_cpu_s"),
            newton_note=(js.get("newton_stop") or ""))
    for r in load(os.path.join(R, "ours_newton.json"), []) or []:
        if r.get("status") != "ok":
            notes.append(f"ours Newton-only {r['objective']} n={r['n']}: {r['status']}")
            continue
        put("ours", r["objective"], r["n"], whole=r["whole_process_s"], newton_only_s=r["newton_s"],
            newton_only_iters=r.get("newton_iters"))
        if not r.get("newton_only"):
            notes.append(f"ours whole-process {r['objective']} n={r['n']}: the binary ignored --newton-only, "
                         "so this is the FULL bench process (all timings + Newton)")
        if (r.get("foreign_cpu_s") or 0) > FOREIGN_CPU_WARN_S:
            notes.append(f"ours whole-process {r['objective']} n={r['n']}: foreign CPU {r['foreign_cpu_s']} s")
    for r in (load(os.path.join(R, "jax.json"), {}) or {}).get("rows", []):
        if r.get("status") != "ok":
            notes.append(f"jax bench {r['objective']} n={r['n']}: {r.get('status')}")
            continue
        t = {k: v["median"] for k, v in r["times"].items()}
        put("jax", r["objective"], r["n"], f=t["f"], grad=t["grad"], hvp=t["hvp"], band=t["band"],
            solve=t.get("solve_nocheck", t.get("solve")), foreign=r.get("foreign_cpu_s"))
    for r in (load(os.path.join(R, "solve_jax.json"), {}) or {}).get("rows", []):
        if "warm" not in r:
            notes.append(f"jax Newton {r['objective']} n={r['n']}: {r.get('status')}")
            continue
        w, c = r["warm"], r["cold"]
        whole = r.get("child_wall_total_s")
        # the child runs a cold solve (with jit compilation) and then a warm one;
        # whole process = everything up to the end of the cold solve
        whole = whole - w["wall_s"] if whole is not None else None
        put("jax", r["objective"], r["n"], newton=w["wall_s"], iters=w["iterations"], whole=whole,
            newton_note=w["status"] if w["status"] != "converged" else "", cold=c["wall_s"],
            foreign_newton=r.get("foreign_cpu_s"))
        if w["status"] != "converged":
            notes.append(f"jax Newton {r['objective']} n={r['n']}: {w['status']} at ||g||inf={w['grad_inf_final']:.1e} "
                         f"(tol {r.get('tol')})")
    for r in (load(os.path.join(R, "casadi.json"), {}) or {}).get("rows", []):
        if r.get("status") != "ok":
            notes.append(f"casadi {r.get('mode')} {r['objective']} n={r['n']}: {r.get('status')}")
            continue
        if r.get("mode") == "hessian" and "times" in r:
            t = {k: v["median"] for k, v in r["times"].items()}
            put("casadi", r["objective"], r["n"], f=t["f"], grad=t["grad"], band=t["hessian"],
                foreign=r.get("foreign_cpu_s"), build=r.get("build_total_s"))
        elif r.get("mode") == "ipopt" and "solve_wall_s" in r:
            put("casadi", r["objective"], r["n"], newton=r["solve_wall_s"], iters=r.get("iter_count"),
                whole=r.get("child_wall_total_s"), foreign_newton=r.get("foreign_cpu_s"),
                newton_note="" if r.get("return_status") == "Solve_Succeeded" else r.get("return_status"))
            if r.get("return_status") != "Solve_Succeeded":
                notes.append(f"casadi Ipopt {r['objective']} n={r['n']}: {r.get('return_status')} "
                             f"||g||inf={r.get('grad_inf_final'):.1e} (tol {r.get('tol')})")
    for run in load(os.path.join(R, "rust.json"), []) or []:
        if run.get("rc") != 0:
            notes.append(f"rust peer {run['lib']} n={run['ns']}: rc={run['rc']}")
        for rec in run.get("records", []):
            m = {"f": "f", "grad": "grad", "hvp": "hvp", "band": "band"}.get(rec["metric"])
            if m:
                if rec["seconds"] is None:
                    notes.append(f"{rec['lib']} {rec['metric']} {rec['objective']} n={rec['n']}: {rec['note']}")
                put(rec["lib"], rec["objective"], rec["n"], **{m: rec["seconds"]},
                    foreign=run.get("foreign_cpu_s"))
                if rec["seconds"] is not None and rec.get("runs") == "1" and m == "band":
                    notes.append(f"{rec['lib']} band {rec['objective']} n={rec['n']}: single run")
    return T, notes


COLS = [("f", "f"), ("grad", "grad"), ("hvp", "HVP"), ("band", "band"), ("solve", "factor+solve"),
        ("newton", "Newton solve (warm)"), ("iters", "Newton iters"), ("whole", "whole process (Newton)")]


def table(R, objectives=None, sizes=None):
    T, notes = collect(R)
    meta = load(os.path.join(R, "meta.json"), {}) or {}
    objs = objectives or meta.get("objectives") or sorted({k[1] for k in T})
    ns = sizes or meta.get("sizes_all") or sorted({k[2] for k in T})
    lines = []
    lines.append("Cells of `ours` rows: our absolute figure. Cells of peer rows: peer figure "
                 "(**ours / peer**); a ratio below 1 means lensdiff is faster (or, for iterations, needs fewer); \"1/x\" means lensdiff takes 1/x of the peer's time.")
    lines.append("")
    hdr = "| objective | n | tool | " + " | ".join(h for _, h in COLS) + " |"
    lines.append(hdr)
    lines.append("|---|---:|---|" + "---:|" * len(COLS))
    for obj in objs:
        for n in ns:
            ours = T.get(("ours", obj, n), {})
            for tool in TOOLS:
                d = T.get((tool, obj, n))
                if not d:
                    continue
                cells = []
                for key, _ in COLS:
                    v = d.get(key)
                    if v is None:
                        cells.append("-")
                        continue
                    s = str(v) if key == "iters" else fmt_t(v)
                    if key in ("newton", "iters") and d.get("newton_note") and tool != "ours":
                        s += f" ({d['newton_note']})"
                    if tool != "ours" and ours.get(key) is not None and v:
                        s += f" (**{fmt_ratio(ours[key] / v)}**)"
                    cells.append(s)
                mark = ""
                if max(d.get("foreign", 0) or 0, d.get("foreign_newton", 0) or 0) > FOREIGN_CPU_WARN_S:
                    mark = " †"
                lines.append(f"| {obj} | {n} | {tool}{mark} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("What is compared:")
    lines.append("- **band**: ours = default banded extraction (symmetric substitution, k+1 HVPs); JAX = 2k+1 "
                 "comb-seeded HVPs via vmap + gather into LAPACK band storage, one jit; CasADi = evaluation of "
                 "its sparse `casadi.hessian` (colouring; symbolic build not included); echidna = "
                 "`sparse_hessian_with_pattern` with band pattern and comb colours; ad_trait = 2k+1 "
                 "forward-over-reverse sweeps assembled by hand.")
    lines.append("- **factor+solve**: ours = banded Cholesky + one solve; JAX row = "
                 "`scipy.linalg.solveh_banded(check_finite=False)` on the band at x0 (LAPACK pbsv).")
    lines.append("- **Newton solve (warm)**: ours = `newton_s` of the bench example (in-process solve from x0); "
                 "JAX = `solve_jax.py` warm run (damped Newton, band + solveh_banded, everything compiled); "
                 "CasADi = Ipopt solve wall time (exact sparse Hessian, MUMPS; nlpsol build not included). "
                 "Peers stop at ||g||∞ ≤ 1e-8·max(1, ||g(x0)||∞), our stopping test (g(x0) from bench_jax).")
    lines.append("- **whole process**: wall time of one OS process that starts, solves from x0 and exits. "
                 "Ours = median of the Newton-only runs of the bench binary; JAX = python start + `import jax` + "
                 "trace/compile + cold solve (the `solve_jax.py` child's wall time minus its warm solve); "
                 "CasADi = python start + import + SX build + nlpsol build + Ipopt solve (+ one gradient check).")
    lines.append(f"- † = other processes used more than {FOREIGN_CPU_WARN_S} CPU-s while this row was measured "
                 "(the machine has 2 cores): treat with care.")
    if notes:
        lines.append("")
        lines.append("Notes:")
        for s in notes:
            lines.append(f"- {s}")
    md = "\n".join(lines)
    with open(os.path.join(R, "table.md"), "w") as fh:
        fh.write(md + "\n")
    return md


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["run", "table"])
    ap.add_argument("--results", default="/tmp/lensdiff-compare")
    ap.add_argument("--objectives", default="chain1,accel2,robot2d")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--newton-sizes", default="10000,100000",
                    help="n for the Newton solves of JAX and for our Newton-only whole-process runs")
    ap.add_argument("--ipopt-sizes", default="10000", help="n for CasADi/Ipopt solves ('' = none)")
    ap.add_argument("--casadi-max-n", type=int, default=100000, help="largest n for the CasADi Hessian")
    ap.add_argument("--peers", default="ours,jax,casadi,rust")
    ap.add_argument("--rust-libs", default="echidna,ad_trait")
    ap.add_argument("--adtrait-max-n", type=int, default=100000,
                    help="ad_trait at 1e6 takes minutes and ~9 GB; raise to 1000000 to include it")
    ap.add_argument("--numdual-max-n", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--whole-reps", type=int, default=3, help="repetitions of our Newton-only process")
    ap.add_argument("--newton-rtol", type=float, default=1e-8)
    ap.add_argument("--quiet-wait", type=float, default=30.0)
    ap.add_argument("--timeout", type=float, default=300.0, help="per-case timeout (s)")
    ap.add_argument("--peer-budget", type=float, default=900.0, help="whole-run budget of one peer script (s)")
    ap.add_argument("--rust-timeout", type=float, default=1800.0)
    ap.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    ap.add_argument("--ours-bench-cmd", default="target/release/examples/bench {obj} {n}")
    ap.add_argument("--ours-newton-cmd", default="target/release/examples/bench {obj} {n} --newton-only")
    ap.add_argument("--py", default=os.path.expanduser("~/.venvs/peers/bin/python"))
    ap.add_argument("--peers-dir", default="/work/shared/peers")
    ap.add_argument("--peers-rust-bin", default="/tmp/peers-rust-target/release/peers-rust")
    ap.add_argument("--command-line", default=None, help="recorded in meta.json")
    a = ap.parse_args()
    a.objectives = csv_list(a.objectives)
    a.sizes = csv_list(a.sizes, int)
    a.newton_sizes = csv_list(a.newton_sizes, int)
    a.ipopt_sizes = csv_list(a.ipopt_sizes, int)
    a.rust_libs = csv_list(a.rust_libs)
    peers = csv_list(a.peers)
    R = os.path.abspath(a.results)
    os.makedirs(R, exist_ok=True)

    if a.mode == "table":
        given = lambda opt: any(x == opt or x.startswith(opt + "=") for x in sys.argv)  # noqa: E731
        objs = a.objectives if given("--objectives") else None
        ns = sorted(set(a.sizes) | set(a.newton_sizes)) if given("--sizes") or given("--newton-sizes") else None
        print(table(R, objs, ns))
        return

    t_begin = time.perf_counter()
    rev = subprocess.run(["git", "-C", a.repo, "describe", "--always", "--dirty"], capture_output=True, text=True)
    meta = {"date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": a.command_line or " ".join(sys.argv), "lensdiff_git": rev.stdout.strip(),
            "objectives": a.objectives, "sizes": a.sizes, "newton_sizes": a.newton_sizes,
            "sizes_all": sorted(set(a.sizes) | set(a.newton_sizes)), "ipopt_sizes": a.ipopt_sizes,
            "peers": peers, "rust_libs": a.rust_libs, "nproc": os.cpu_count(), "steps_s": {}}
    save(os.path.join(R, "meta.json"), meta)
    steps = [("ours", step_ours), ("ours", step_ours_newton), ("jax", step_jax), ("casadi", step_casadi),
             ("rust", step_rust)]
    for name, fn in steps:
        if name not in peers:
            continue
        log(f"== {fn.__name__}")
        t0 = time.perf_counter()
        try:
            fn(a, R)
        except Exception as ex:  # keep going: one failing peer must not lose the others
            log(f"  {fn.__name__} FAILED: {ex!r}")
        meta = load(os.path.join(R, "meta.json"), meta)
        meta["steps_s"][fn.__name__] = round(time.perf_counter() - t0, 1)
        save(os.path.join(R, "meta.json"), meta)
    meta["total_s"] = round(time.perf_counter() - t_begin, 1)
    save(os.path.join(R, "meta.json"), meta)
    print(f"# lensdiff comparison, {meta['date_utc']}, lensdiff {meta['lensdiff_git']}, "
          f"measuring took {meta['total_s']:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in meta['steps_s'].items())})")
    print(f"# command: {meta['command']}")
    print()
    print(table(R, a.objectives, meta["sizes_all"]))
    print(f"\n# raw JSON in {R}")


if __name__ == "__main__":
    main()
