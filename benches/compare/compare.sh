#!/usr/bin/env bash
# Side-by-side figures: lensdiff vs JAX (jit), CasADi and the Rust AD crates
# echidna / ad_trait (/ num-dual), on the BENCH objectives, in ONE run on this
# machine.
#
# Usage (from anywhere):
#   benches/compare/compare.sh [options]
#
# Options (defaults in brackets):
#   --objectives LIST     chain1,accel2,robot2d                  [all three]
#   --sizes LIST          n for f/grad/HVP/band timings          [10000,100000,1000000]
#   --newton-sizes LIST   n for the Newton solves (JAX) and for our
#                         Newton-only whole-process runs           [10000,100000]
#   --ipopt-sizes LIST    n for CasADi/Ipopt solves ('' = none)  [10000]
#   --casadi-max-n N      largest n for the CasADi sparse Hessian [100000]
#                         (its symbolic build is ~5 s at 1e5, ~1 min at 1e6)
#   --peers LIST          steps to run: ours,jax,casadi,rust      [all]
#   --rust-libs LIST      echidna,ad_trait,num-dual               [echidna,ad_trait]
#   --adtrait-max-n N     ad_trait's band at 1e6 needs ~9 GB and minutes [100000]
#   --numdual-max-n N     num-dual is O(n^2) per gradient         [10000]
#   --repeats R           timing samples per figure (median)      [7]
#   --whole-reps R        runs of our Newton-only process          [3]
#   --quiet-wait S        max wait for an idle machine per case   [30]
#   --results DIR         raw JSON + table.md                     [/tmp/lensdiff-compare]
#   --no-build            do not (re)build the binaries
#   --table-only          re-print the table from DIR, measure nothing
#   --quick               = --sizes 10000,100000 --newton-sizes 10000,100000
#   -h | --help           this text
#
# What it does:
#   1. builds our bench example (cargo build --release --example bench) and the
#      Rust peers (CARGO_TARGET_DIR=$PEERS_RUST_TARGET), checks the peers venv;
#   2. runs benches/compare/compare.py run ..., which measures, in this order:
#      ours (bench example per objective and n, then the Newton-only process
#      --whole-reps times), JAX (peers/bench_jax.py, peers/solve_jax.py with our
#      relative stopping test), CasADi (peers/bench_casadi.py: sparse Hessian,
#      Ipopt), Rust peers (peers-rust --libs ...);
#   3. prints ONE markdown table: absolute figures of ours, and for each peer its
#      figure with the ratio ours/peer, per objective and n. Raw JSON stays in
#      the results directory (meta.json has the date, command and step times).
#
# The peers are installed as described in notes/compare.md:
#   python3 -m venv ~/.venvs/peers
#   ~/.venvs/peers/bin/pip install -r /work/shared/peers/requirements.txt
#
# Each case runs in its own process; before each one the script waits for an
# idle machine and records foreign CPU time; rows polluted by other processes
# are marked with a dagger in the table.
set -euo pipefail

# ---- commands and paths (override from the environment) ---------------------
# {obj} and {n} are substituted; run from the repository root.
OURS_BENCH_CMD=${OURS_BENCH_CMD:-"target/release/examples/bench {obj} {n}"}
# "Our Newton-only whole process": must print the bench's JSON line, running
# only the Newton solve. A binary that ignores the flag runs the full bench;
# the table then says so.
OURS_NEWTON_CMD=${OURS_NEWTON_CMD:-"target/release/examples/bench {obj} {n} --newton-only"}
PEERS_PY=${PEERS_PY:-"$HOME/.venvs/peers/bin/python"}
PEERS_DIR=${PEERS_DIR:-/work/shared/peers}
PEERS_RUST_DIR=${PEERS_RUST_DIR:-/work/shared/peers-rust}
PEERS_RUST_TARGET=${PEERS_RUST_TARGET:-/tmp/peers-rust-target}
PEERS_RUST_BIN=${PEERS_RUST_BIN:-"$PEERS_RUST_TARGET/release/peers-rust"}
# -----------------------------------------------------------------------------

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

RESULTS=/tmp/lensdiff-compare
BUILD=1
TABLE_ONLY=0
PEERS=ours,jax,casadi,rust
RUST_LIBS=echidna,ad_trait
PASS=()
ORIG_ARGS=("$@")

while [[ $# -gt 0 ]]; do
    case "$1" in
        --objectives|--sizes|--newton-sizes|--ipopt-sizes|--casadi-max-n|--adtrait-max-n|--numdual-max-n|\
        --repeats|--whole-reps|--quiet-wait|--timeout)
            [[ $# -ge 2 ]] || { echo "missing value for $1" >&2; exit 2; }
            PASS+=("$1" "$2"); shift 2 ;;
        --peers) PEERS=$2; shift 2 ;;
        --rust-libs) RUST_LIBS=$2; shift 2 ;;
        --results) RESULTS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --table-only) TABLE_ONLY=1; shift ;;
        --quick) PASS+=(--sizes 10000,100000 --newton-sizes 10000,100000); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

PY_ARGS=(--results "$RESULTS" --peers "$PEERS" --rust-libs "$RUST_LIBS" --repo "$REPO"
         --ours-bench-cmd "$OURS_BENCH_CMD" --ours-newton-cmd "$OURS_NEWTON_CMD"
         --py "$PEERS_PY" --peers-dir "$PEERS_DIR" --peers-rust-bin "$PEERS_RUST_BIN" "${PASS[@]}")

if [[ $TABLE_ONLY == 1 ]]; then
    exec python3 "$HERE/compare.py" table "${PY_ARGS[@]}"
fi

T0=$(date +%s)
has() { [[ ",$PEERS," == *",$1,"* ]]; }

if [[ $BUILD == 1 ]] && has ours; then
    echo "== building our bench example" >&2
    (cd "$REPO" && cargo build --release --example bench >&2)
fi
if [[ $BUILD == 1 ]] && has rust; then
    echo "== building the Rust peers into $PEERS_RUST_TARGET" >&2
    CARGO_TARGET_DIR=$PEERS_RUST_TARGET cargo build --release --manifest-path "$PEERS_RUST_DIR/Cargo.toml" >&2
fi
if has jax || has casadi; then
    if ! "$PEERS_PY" -c 'import jax, casadi, scipy' 2>/dev/null; then
        echo "peers venv $PEERS_PY lacks jax/casadi/scipy; install with:" >&2
        echo "  $PEERS_PY -m pip install -r $PEERS_DIR/requirements.txt" >&2
        exit 1
    fi
fi
if has rust && [[ ! -x $PEERS_RUST_BIN ]]; then
    echo "missing $PEERS_RUST_BIN (build it, or drop 'rust' from --peers)" >&2
    exit 1
fi

mkdir -p "$RESULTS"
python3 "$HERE/compare.py" run "${PY_ARGS[@]}" \
    --command-line "benches/compare/compare.sh ${ORIG_ARGS[*]:-}" | tee "$RESULTS/stdout.md"
echo "# whole script (builds included): $(( $(date +%s) - T0 )) s" | tee -a "$RESULTS/stdout.md"
