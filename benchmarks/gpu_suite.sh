#!/usr/bin/env bash
# Every benchmark with a GPU figure to give, on one GPU, in at most 8 minutes.
#
# Usage: bash benchmarks/gpu_suite.sh [--dry-run] [--batches DIR] [--output DIR]
#
#   --batches DIR  models and batches saved by `benchmarks/backends.py --make-batches DIR`.
#                  Needed where TensorFlow is not installed (it builds them from the
#                  chapters' tf.data pipelines); made on the spot where it is.
#   --output DIR   where the results files go (default benchmarks/results; with
#                  --dry-run, a temporary folder, so a dry run never overwrites them).
#   --dry-run      two steps per model, one decoding length: proves on a CPU that
#                  every step starts, in about five minutes on two cores.
#
# Runs, each under its own time limit, whatever the frameworks installed allow:
#   1. benchmarks/backends.py: every task model's training step on TensorFlow
#      (XLA off and on), JAX and PyTorch, at the chapters' batch sizes, then at
#      16 times them (the chapters' batches are too small to fill a GPU), then
#      in mixed_bfloat16 at 16 times them;
#   2. benchmarks/kv_cache.py on every backend: the small VLM's language model
#      generating with and without its key/value cache;
#   3. with TensorFlow only: benchmarks/mixed_precision.py (float16 too) and
#      benchmarks/decoding_speed.py (captions: compiled loops against Python).
# A step that fails or runs out of time is reported and the next one runs.
set -uo pipefail
cd "$(dirname "$0")/.."

dry_run=0
batches=""
output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --batches) batches="$2"; shift ;;
    --output) output="$2"; shift ;;
    *) echo "gpu_suite.sh: unknown argument '$1' (expected --dry-run, --batches DIR, --output DIR)" >&2; exit 2 ;;
  esac
  shift
done

python="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3
# One framework at a time holds the GPU; JAX would otherwise take 75% of its memory up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=false

if [ "$dry_run" = 1 ]; then
  output="${output:-$(mktemp -d)}"; steps=2; scale=1; lengths="8"; repeats=1; limit=300
else
  output="${output:-benchmarks/results}"; steps=10; scale=16; lengths="8 32 64"; repeats=3; limit=150
fi
mkdir -p "$output"
has() { "$python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$1') is None)"; }
failures=()
step() {  # step NAME SECONDS COMMAND...: run COMMAND under a time limit, note a failure, carry on
  local name="$1" seconds="$2"; shift 2
  echo "== $name (limit ${seconds} s)"
  local start=$SECONDS
  timeout "$seconds" "$@"
  local status=$?
  echo "== $name: exit $status after $((SECONDS - start)) s"
  [ "$status" = 0 ] || failures+=("$name (exit $status)")
}

echo "gpu_suite: $(date -u +%FT%TZ), output $output, dry run $dry_run"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

runs=()
has tensorflow && runs+=(tensorflow tensorflow-xla)
has jax && runs+=(jax)
has torch && runs+=(torch)
backends=()
has tensorflow && backends+=(tensorflow)
has jax && backends+=(jax)
has torch && backends+=(torch)
echo "runs: ${runs[*]}"

if [ -z "$batches" ]; then
  if ! has tensorflow; then
    echo "gpu_suite.sh: TensorFlow is not installed here, so the task models' batches cannot be made;" \
         "make them where it is (python benchmarks/backends.py --make-batches DIR) and pass --batches DIR" >&2
    exit 2
  fi
  batches="$(mktemp -d)/batches"
  step "make batches" 120 env KERAS_BACKEND=tensorflow "$python" benchmarks/backends.py --make-batches "$batches"
fi

bench=("$python" benchmarks/backends.py --batches "$batches" --steps "$steps" --output "$output" --timeout "$limit"
       --runs "${runs[@]}")
step "backends, chapter batches" $((limit * ${#runs[@]} + 30)) "${bench[@]}"
if [ "$scale" != 1 ]; then
  step "backends, batches x$scale" $((limit * ${#runs[@]} + 30)) "${bench[@]}" --batch-scale "$scale"
fi
step "backends, mixed_bfloat16, batches x$scale" $((limit * ${#runs[@]} + 30)) \
  "${bench[@]}" --batch-scale "$scale" --policy mixed_bfloat16
for backend in "${backends[@]}"; do
  # shellcheck disable=SC2086  # the lengths are several arguments
  step "KV cache, $backend" "$limit" env KERAS_BACKEND="$backend" \
    "$python" benchmarks/kv_cache.py --lengths $lengths --repeats "$repeats" --output "$output"
done
if has tensorflow; then
  step "mixed precision (TensorFlow)" "$limit" env KERAS_BACKEND=tensorflow \
    "$python" benchmarks/mixed_precision.py --steps "$steps"
  step "decoding (TensorFlow)" "$limit" env KERAS_BACKEND=tensorflow \
    "$python" benchmarks/decoding_speed.py --repeats "$repeats" --output "$output"
else
  echo "== mixed precision and decoding benchmarks: skipped, they need TensorFlow, which is not installed here"
fi

echo "gpu_suite: finished after ${SECONDS} s; results in $output:"
ls "$output"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
