#!/usr/bin/env bash
# The benchmark, in one command, from anywhere in the repository:
#
#   bash bench/run.sh            # ~20 minutes on 2 cores once built; writes bench/RESULTS.md
#   bash bench/run.sh --quick    # a smoke run (2 s points); other options: target/bench/release/bench --help
#
# Builds `ours`, `baseline` and the driver in release mode (in target/bench, so it never
# invalidates the debug build in target/), installs wrk and valgrind from Debian's packages if
# they are missing, runs the parsing micro-benchmark, then the driver, which loads both servers
# with wrk on 127.0.0.1, counts their instructions per delivery under callgrind, prints the
# tables and writes bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# wrk loads the servers; valgrind (callgrind) counts their instructions per delivery.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
if [[ " $* " != *" --no-instructions "* && " $* " != *" --quick "* ]]; then
    command -v valgrind >/dev/null || missing+=(valgrind)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/bench}"
cargo build --release -p webhooks-bench --bins

parse_results="$(mktemp)"
trap 'rm -f "$parse_results"' EXIT
if [[ " $* " != *" --no-parse "* ]]; then
    cargo bench -p webhooks-bench --bench parse 2>/dev/null | tee "$parse_results"
fi
args=()
for arg in "$@"; do [ "$arg" = --no-parse ] || args+=("$arg"); done
"$CARGO_TARGET_DIR/release/bench" --parse-results "$parse_results" "${args[@]}"
