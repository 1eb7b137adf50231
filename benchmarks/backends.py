"""Training speed of every task model on TensorFlow (XLA off and on), JAX and PyTorch, in one run.

Usage:
    python benchmarks/backends.py [--steps 10] [--policy float32] [--runs ...] [--output DIR]
    python benchmarks/backends.py --make-batches DIR
    python benchmarks/backends.py --batches DIR [--runs jax torch] [--output DIR]
    python benchmarks/backends.py --replot benchmarks/results/backends_cpu.json

Keras picks its backend once per process, so each run is a fresh Python
process (`--runs`, default: every one whose framework imports here):

- `tensorflow` and `tensorflow-xla`: `jit_compile=False` and `True`;
- `jax`: Keras always compiles JAX's training step with XLA;
- `torch`: eager PyTorch; `torch-compile`: `jit_compile=True`, which Keras
  hands to `torch.compile` (slow to compile, so not in the default runs).

Every run trains the same eight task models, built the way their chapters
build them, on the same batch: `--make-batches` (which needs TensorFlow:
the chapters' `tf.data` pipelines and tokenizers) saves each model's
architecture as JSON and one batch of its pipeline as `.npz`, and the
runs rebuild the model from that JSON under their backend. A machine
without TensorFlow (the GPU machine this was written for) can time JAX and
PyTorch on batches made elsewhere (`--batches`). The batch is moved to the
device once; the figure is the median wall time of `--steps` calls of
`train_on_batch` after 3 warm-up calls that absorb tracing and
compilation. `train_on_batch` returns the loss as a number, so each step
ends with the device synchronised. `--policy mixed_bfloat16` (or
`mixed_float16`) rebuilds every layer under that dtype policy.

Writes `backends_<device>[_<policy>].md`, `.json` and `.png` to `--output`
(default `benchmarks/results`); `--replot` redraws the `.png` of an
earlier run from its `.json` (after a model is relabelled, say) without
timing anything. A script, not a test: timings depend on the machine.
"""

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
RUNS = {
    # run name: (KERAS_BACKEND, jit_compile)
    "tensorflow": ("tensorflow", False),
    "tensorflow-xla": ("tensorflow", True),
    "jax": ("jax", True),
    "torch": ("torch", False),
    "torch-compile": ("torch", True),
}
DEFAULT_RUNS = ("tensorflow", "tensorflow-xla", "jax", "torch")
WARMUP_STEPS = 3


# ---------------------------------------------------------------- the batches


def _task_key(label):
    return label.split(" (")[0].split(",")[0].replace(" ", "_").replace("-", "_").lower()


def make_batches(folder):
    """Save each task model's architecture, loss and one batch of its chapter's pipeline to `folder`."""
    import keras
    import numpy as np

    sys.path.insert(0, BENCHMARKS)
    from task_models import TASKS

    os.makedirs(folder, exist_ok=True)
    index = []
    for label, task, batch_size in TASKS:
        keras.utils.set_random_seed(0)
        model, loss, data = task(batch_size)
        inputs, targets = next(iter(data))
        key = _task_key(label)
        arrays = {"targets": np.asarray(targets)}
        if isinstance(inputs, dict):
            arrays.update({f"input:{name}": np.asarray(value) for name, value in inputs.items()})
        else:
            arrays["input"] = np.asarray(inputs)
        np.savez(os.path.join(folder, f"{key}.npz"), **arrays)
        with open(os.path.join(folder, f"{key}.json"), "w") as f:
            f.write(model.to_json())
        index.append({
            "key": key,
            "model": label,
            "batch": batch_size,
            "loss": loss if isinstance(loss, str) else keras.saving.serialize_keras_object(loss),
        })
        print(f"saved {key}: {model.count_params():,} parameters", flush=True)
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


# ---------------------------------------------------------------- one backend, in its own process


def _with_policy(config, policy):
    """`config` with every float32 layer dtype policy replaced by `policy` (input dtypes are left alone)."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and config.get("config", {}).get("name") == "float32":
            return {**config, "config": {**config["config"], "name": policy}}
        return {key: _with_policy(value, policy) for key, value in config.items()}
    if isinstance(config, list):
        return [_with_policy(value, policy) for value in config]
    return config


def _device_name(backend):
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return "gpu" if device.platform == "gpu" else "cpu", getattr(device, "device_kind", device.platform)
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return "gpu", torch.cuda.get_device_name(0)
        return "cpu", "cpu"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "gpu", tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    return "cpu", "cpu"


def run_worker(run, folder, steps, policy, batch_scale, results_path):
    """Time every task model's training step under this process's backend; append JSON lines."""
    import keras
    import numpy as np

    import mmkeras.layers  # noqa: F401  (registers the layers for deserialisation)
    import mmkeras.losses  # noqa: F401
    import mmkeras.models  # noqa: F401

    backend, jit_compile = RUNS[run]
    assert keras.config.backend() == backend, (keras.config.backend(), backend)
    device, device_name = _device_name(backend)
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    for entry in index:
        row = {"run": run, "model": entry["model"], "batch": entry["batch"] * batch_scale, "policy": policy,
               "device": device, "device_name": device_name, "backend_version": _framework_version(backend),
               "machine": f"{_machine()}, keras {keras.__version__}"}
        try:
            keras.utils.set_random_seed(0)
            with open(os.path.join(folder, f"{entry['key']}.json")) as f:
                config = _with_policy(json.load(f), policy)
            model = keras.models.model_from_json(json.dumps(config))
            arrays = np.load(os.path.join(folder, f"{entry['key']}.npz"))
            if "input" in arrays:
                inputs = keras.ops.convert_to_tensor(np.concatenate([arrays["input"]] * batch_scale))
            else:
                inputs = {name.split(":", 1)[1]: keras.ops.convert_to_tensor(np.concatenate([arrays[name]] * batch_scale))
                          for name in arrays.files if name.startswith("input:")}
            targets = keras.ops.convert_to_tensor(np.concatenate([arrays["targets"]] * batch_scale))
            loss = entry["loss"]
            loss = loss if isinstance(loss, str) else keras.saving.deserialize_keras_object(loss)
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, jit_compile=jit_compile)
            start = time.perf_counter()
            for _ in range(WARMUP_STEPS):
                model.train_on_batch(inputs, targets)
            row["warmup_s"] = time.perf_counter() - start
            times = []
            for _ in range(steps):
                start = time.perf_counter()
                model.train_on_batch(inputs, targets)
                times.append(time.perf_counter() - start)
            row["step_s"] = float(np.median(times))
            row["samples_per_s"] = row["batch"] / row["step_s"]
            # Keras may drop XLA silently (TensorFlow's cuDNN LSTM on a GPU): report what it used.
            row["jit_compile"] = bool(model.jit_compile)
        except Exception as error:  # one model's failure must not hide the other seven
            row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
        with open(results_path, "a") as f:
            f.write(json.dumps(row) + "\n")
        shown = f"{row['samples_per_s']:,.0f} samples/s" if "samples_per_s" in row else row["error"]
        print(f"[{run}] {entry['model']}: {shown}", flush=True)


def _framework_version(backend):
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    return sys.modules[module].__version__ if module in sys.modules else __import__(module).__version__


# ---------------------------------------------------------------- the whole run


def _available(run):
    return importlib.util.find_spec(RUNS[run][0]) is not None


def _spawn(run, folder, steps, policy, batch_scale, results_path, timeout):
    env = {**os.environ, "KERAS_BACKEND": RUNS[run][0], "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    command = [sys.executable, os.path.abspath(__file__), "--worker", run, "--batches", folder,
               "--steps", str(steps), "--policy", policy, "--batch-scale", str(batch_scale),
               "--results", results_path]
    try:
        finished = subprocess.run(command, env=env, timeout=timeout)
        return None if finished.returncode == 0 else f"exited with {finished.returncode}"
    except subprocess.TimeoutExpired:
        return f"stopped after {timeout} s"


def _machine():
    cores = os.cpu_count()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {cores} cores, Python {platform.python_version()}"


def _cell(row):
    if row is None:
        return "not run"
    if "error" in row:
        return f"failed ({row['error'][:60]})"
    dropped = " (XLA dropped)" if RUNS[row["run"]][1] and not row["jit_compile"] else ""
    return f"{row['samples_per_s']:,.0f}{dropped}"


def write_report(rows, runs, output, policy, batch_scale, command, problems, notes=""):
    import datetime

    device = "gpu" if any(row.get("device") == "gpu" for row in rows) else "cpu"
    suffix = ("" if policy == "float32" else f"_{policy}") + ("" if batch_scale == 1 else f"_x{batch_scale}")
    base = os.path.join(output, f"backends_{device}{suffix}")
    os.makedirs(output, exist_ok=True)
    models = list(dict.fromkeys(row["model"] for row in rows))
    by_key = {(row["run"], row["model"]): row for row in rows}
    devices = sorted({f"{row['run']}: {row['device_name']} ({row['backend_version']})" for row in rows})
    lines = [
        f"# benchmarks/backends.py on {device}, {policy}",
        "",
        f"Run on {datetime.date.today()} with `{command}`.",
        f"Machine: {'; '.join(sorted({row.get('machine', _machine() + ', keras ' + _keras_version()) for row in rows}))}.",
        f"Devices and framework versions: {'; '.join(devices)}.",
        "",
        f"Training samples per second: the median of the timed `train_on_batch` steps after {WARMUP_STEPS} "
        "warm-up steps, one batch of the chapter's pipeline, already on the device. `tensorflow-xla` and "
        "`jax` compile the step with XLA; `torch` is eager PyTorch, `torch-compile` is `torch.compile`. "
        "Fastest run in bold.",
    ]
    if notes:
        lines += ["", notes]
    if problems:
        lines += ["", "Runs that did not finish: " + "; ".join(f"{run} {why}" for run, why in problems.items()) + "."]
    lines += ["", "| model | batch | " + " | ".join(runs) + " |", "|---|---:|" + "---:|" * len(runs)]
    for model in models:
        cells = [by_key.get((run, model)) for run in runs]
        rates = [cell["samples_per_s"] if cell and "samples_per_s" in cell else 0 for cell in cells]
        best = max(rates)
        shown = [f"**{_cell(cell)}**" if rate == best and rate > 0 else _cell(cell) for cell, rate in zip(cells, rates)]
        batch = next(cell["batch"] for cell in cells if cell)
        lines.append(f"| {model} | {batch} | " + " | ".join(shown) + " |")
    text = "\n".join(lines) + "\n"
    with open(base + ".json", "w") as f:
        json.dump({"policy": policy, "batch_scale": batch_scale, "runs": list(runs), "rows": rows,
                   "problems": problems}, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write(text)
    sys.path.insert(0, BENCHMARKS)
    _plot(rows, runs, models, base + ".png", _plot_title(device, policy, batch_scale))
    return text


def _plot_title(device, policy, batch_scale):
    scale = "" if batch_scale == 1 else f", batches x{batch_scale}"
    return f"Training samples/s per backend on {device}, {policy}{scale}"


def replot(results_path):
    """Redraws the plot beside `results_path` (a `.json` this script wrote) from the rows in it."""
    with open(results_path) as f:
        report = json.load(f)
    rows = report["rows"]
    device = "gpu" if any(row.get("device") == "gpu" for row in rows) else "cpu"
    models = list(dict.fromkeys(row["model"] for row in rows))
    sys.path.insert(0, BENCHMARKS)
    plot_path = os.path.splitext(results_path)[0] + ".png"
    _plot(rows, report["runs"], models, plot_path, _plot_title(device, report["policy"], report["batch_scale"]))
    print("redrew", plot_path)


def _keras_version():
    # Not `import keras`: this process has no KERAS_BACKEND, and Keras would load TensorFlow, which may be absent.
    from importlib.metadata import version

    return version("keras")


def _plot(rows, runs, models, path, title):
    from _plots import grouped_bars

    by_key = {(row["run"], row["model"]): row.get("samples_per_s", 0) for row in rows}
    grouped_bars(models, {run: [by_key.get((run, model), 0) for model in models] for run in runs}, path, title,
                 "training samples per second (log scale; missing bar: failed or not run)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per model and run")
    parser.add_argument("--policy", default="float32", choices=("float32", "mixed_bfloat16", "mixed_float16"))
    parser.add_argument("--runs", nargs="+", choices=tuple(RUNS), help="default: " + " ".join(DEFAULT_RUNS))
    parser.add_argument("--batch-scale", type=int, default=1,
                        help="train on the saved batch repeated this many times (larger batches for a GPU)")
    parser.add_argument("--make-batches", metavar="DIR", help="only save the models and batches (TensorFlow)")
    parser.add_argument("--batches", metavar="DIR", help="models and batches saved by --make-batches")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one run may take")
    parser.add_argument("--output", default=os.path.join(ROOT, "benchmarks", "results"))
    parser.add_argument("--replot", metavar="JSON", help="only redraw the plot of an earlier run's .json")
    parser.add_argument("--worker", choices=tuple(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        return run_worker(args.worker, args.batches, args.steps, args.policy, args.batch_scale, args.results)
    if args.make_batches:
        return make_batches(args.make_batches)
    if args.replot:
        return replot(args.replot)

    runs = args.runs or [run for run in DEFAULT_RUNS if _available(run)]
    missing = [run for run in runs if not _available(run)]
    if missing:
        sys.exit(f"These runs need a framework this Python cannot import: {missing}. "
                 f"Install it, or leave them out of --runs.")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.batches
        if folder is None:
            folder = os.path.join(scratch, "batches")
            subprocess.run([sys.executable, os.path.abspath(__file__), "--make-batches", folder], check=True,
                           env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"})
        results_path = os.path.join(scratch, "rows.jsonl")
        problems = {}
        for run in runs:
            why = _spawn(run, folder, args.steps, args.policy, args.batch_scale, results_path, args.timeout)
            if why:
                problems[run] = why
        rows = []
        if os.path.exists(results_path):
            with open(results_path) as f:
                rows = [json.loads(line) for line in f]
    if not rows:
        sys.exit(f"No run produced a result: {problems}")
    command = "python benchmarks/backends.py " + " ".join(sys.argv[1:])
    print()
    print(write_report(rows, runs, args.output, args.policy, args.batch_scale, command.strip(), problems))


if __name__ == "__main__":
    main()
