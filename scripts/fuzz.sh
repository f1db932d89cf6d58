#!/usr/bin/env bash
# Fuzzing of the parsers kaifaqu owns (issue 10), in one command — not part of .ci/run:
#
#   scripts/fuzz.sh                # every target, 1,000,000 runs each
#   scripts/fuzz.sh 50000          # every target, 50,000 runs each (a quick look)
#   scripts/fuzz.sh 1000000 amount # one target
#
# Targets (fuzz/fuzz_targets/): credit_code, period, amount, form_fields, xlsx_bytes, import_grid,
# import_cells — what each checks is in its file's first comment. Needs the nightly toolchain
# (`rustup toolchain install nightly`) and cargo-fuzz (`cargo install cargo-fuzz`).
#
# Environment: FUZZ_SANITIZER (default `none`: our crates forbid `unsafe`, and what we look for
# is a panic — overflow, slicing, unwrap — with debug assertions on; `address` for ASan, about
# twice as slow), FUZZ_JOBS (parallel targets, default 1), FUZZ_MAX_LEN (default 4096 bytes;
# xlsx_bytes 65536). Corpora grow in fuzz/corpus/<target> (ignored by git, seeded from
# fuzz/seeds/<target>); a crash leaves its input in fuzz/artifacts/<target>/ and the script
# fails. Each target's last libFuzzer line (runs, coverage, speed) is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

RUNS=${1:-1000000}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(credit_code period amount form_fields xlsx_bytes import_grid import_cells)
fi
SAN=${FUZZ_SANITIZER:-none}
JOBS=${FUZZ_JOBS:-1}
export CARGO_INCREMENTAL=0

cargo +nightly fuzz build -s "$SAN"
TRIPLE=$(rustc +nightly -vV | sed -n 's/^host: //p')

mkdir -p logs
run() {
    local t=$1 len=${FUZZ_MAX_LEN:-4096}
    [ "$t" = xlsx_bytes ] && len=${FUZZ_MAX_LEN:-65536}
    mkdir -p "corpus/$t" "artifacts/$t"
    local seeds=()
    [ -d "seeds/$t" ] && seeds=("seeds/$t")
    local start=$SECONDS
    # the binary built above, run directly (`cargo fuzz run` would rebuild on every source change)
    if "target/$TRIPLE/release/$t" "corpus/$t" "${seeds[@]}" -artifact_prefix="artifacts/$t/" \
        -runs="$RUNS" -max_len="$len" -print_final_stats=1 >"logs/$t.log" 2>&1; then
        echo "$t: ok, $(grep -E 'stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}') runs, 0 crashes, $(grep -E '^#[0-9]+.*(pulse|DONE|NEW|REDUCE)' "logs/$t.log" | tail -1 | grep -o 'cov: [0-9]*') in $((SECONDS - start)) s"
    else
        echo "$t: FAILED after $((SECONDS - start)) s — see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        grep -E 'panicked|ERROR' "logs/$t.log" | head -5
        return 1
    fi
}

failed=0
if [ "$JOBS" -gt 1 ]; then
    pids=()
    for t in "${TARGETS[@]}"; do
        run "$t" & pids+=($!)
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
else
    for t in "${TARGETS[@]}"; do run "$t" || failed=1; done
fi
exit $failed
