#!/usr/bin/env bash
# Runs each libFuzzer target of build/fuzz for SECONDS (default 20) from its seed corpus
# (tests/fuzz/corpus/<target>, small real inputs) plus what earlier runs found
# (build/fuzz/corpus/<target>). A finding stops with the input saved under
# build/fuzz/findings/ and a non-zero exit. Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(config text_formats hdf5 checkpoint)
build=build/fuzz
mkdir -p "$build/findings"
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  log="$build/$target.log"
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s (log $log)"
  # Two targets fuzz in child processes (-fork=1), restarted when a third-party library fails:
  # LibTorch's unpickler, given some damaged checkpoints, allocates gigabytes before it fails
  # (-ignore_ooms=1); libhdf5 1.10.8 (Debian's, uninstrumented) crashes and hangs on damaged
  # files (H5HG_read, H5F__accum_read, H5C_protect): the hdf5 target goes on past crashes and
  # hangs too. Each crash or hang saved is replayed below and is ours unless it is in libhdf5.
  extra=()
  [ "$target" = checkpoint ] && extra=(-fork=1 -ignore_ooms=1)
  [ "$target" = hdf5 ] && extra=(-fork=1 -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1)
  before=$(ls "$build/findings" | sort)
  # allocator_may_return_null: a C malloc too large to serve returns NULL, as it does outside
  # ASan, instead of aborting: libhdf5 asks for one (up to 2^64 bytes) on some damaged files
  # and then fails cleanly; our own C++ allocations (operator new) are still reported.
  # quarantine_size_mb: ASan holds freed memory back to catch use-after-free; its default
  # (256 MB) and the pages it pins grow a long run's RSS past the limit with nothing leaked
  # (measured: 811 MB after 7,000 config inputs, 351 MB with 16 MB).
  # -timeout: an input taking 10 s is a hang, a finding too. -malloc_limit_mb: one allocation
  # over 1 GB is a finding (the readers' memory limits must hold); -rss_limit_mb: 3 GB in all.
  # Leaks inside LibTorch's (miniz's zip reader) and HDF5's own error paths are not ours:
  # LeakSanitizer is off, per input and at the exit of fork mode's children (ASan still
  # checks every access).
  status=0
  ASAN_OPTIONS=allocator_may_return_null=1:quarantine_size_mb=64:detect_leaks=0 "$build/tests/fuzz/fuzz_$target" \
      -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=1024 -rss_limit_mb=3072 \
      -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$build/findings/$target-" "${extra[@]}" \
      "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  # Fork mode ends non-zero when a child failed, also one it was told to go on past: what it
  # saved is judged below instead.
  if ((status != 0 && ${#extra[@]} == 0)); then
    tail -n 40 "$log"
    echo "fuzz: $target found a problem; the input is in $build/findings/" >&2
    exit 1
  fi
  for found in $(comm -13 <(echo "$before") <(ls "$build/findings" | sort) | grep -E "^$target-(crash|timeout|leak)-" || true); do
    # Fork mode also counts a child that ends with a report at exit; alone it does not crash.
    if replay=$(ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0 "$build/tests/fuzz/fuzz_$target" -timeout=10 \
                "$build/findings/$found" 2>&1); then
      continue
    fi
    # The first frame in libhdf5, LibTorch or our code, the harness included (sanitizer
    # interceptors, libc and the C++ runtime are none of them).
    where=$(echo "$replay" | grep -E '^ +#[0-9]+ ' | grep -E 'libhdf5|libtorch|rnnscope::|LLVMFuzzerTestOneInput' | head -n 1 || true)
    case "$where" in
      *libhdf5*) echo "fuzz: $found fails inside libhdf5 (third party): $where" ;;
      # An allocation inside LibTorch's unpickler too large for ASan's allocator (35.8 GB in
      # Unpickler::setInput, seen): ASan's operator new aborts where the release build's throws
      # std::bad_alloc, which the checkpoint reader turns into a clean error. The same
      # third-party out-of-memory as the oom- inputs below, saved as a crash. Anything else
      # in LibTorch is a finding.
      *libtorch*) if grep -qE 'AddressSanitizer: (out-of-memory|allocator is out of memory)' <<<"$replay"; then
                    echo "fuzz: $found ran out of memory inside LibTorch (third party): $where"
                  else
                    echo "fuzz: $target found a problem: $build/findings/$found: $where" >&2; exit 1
                  fi ;;
      *) echo "fuzz: $target found a problem: $build/findings/$found: $where" >&2; exit 1 ;;
    esac
  done
  for found in $(comm -13 <(echo "$before") <(ls "$build/findings" | sort) | grep "^$target-oom-" || true); do
    echo "fuzz: $found ran out of memory (a third-party library, see above; review it)"
  done
  # Executions and coverage: "Done N runs" in-process, the last "#N: cov: …" line in fork mode.
  { grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || grep -E '^#[0-9]+: cov' "$log" | tail -n 1; } |
    tr '\n' ' '
  grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 || true
done
