"""What the benchmarks share: arguments, the line naming the machine, and results files."""

import argparse
import platform

import keras

from mmkeras.training import detect_device


def parse_arguments(description, default_steps, default_batch_size=64):
    """`--steps` and `--batch-size`; returns `(args, device)`."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--steps", type=int, default=default_steps)
    parser.add_argument("--batch-size", type=int, default=default_batch_size)
    return parser.parse_args(), detect_device()


def print_header(args, device, timing):
    """The machine, the device, Keras, the batch and how steps were timed, then a blank line."""
    batch = f"batch {args.batch_size}" if args.batch_size else "each preset's batch"
    print(f"machine: {platform.machine()}, {device}, keras {keras.__version__}, "
          f"{batch}, {timing.format(steps=args.steps)}")
    print()


def cpu_name():
    """The CPU's model name from /proc/cpuinfo, else what `platform` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description(device):
    """CPU, cores, GPU if any, and the software versions, for a results file."""
    import os

    backend = keras.config.backend()
    framework = __import__(backend)
    gpu = ""
    if backend == "tensorflow":
        gpus = framework.config.list_physical_devices("GPU")
        if gpus:
            gpu = f", GPU {framework.config.experimental.get_device_details(gpus[0]).get('device_name', 'unknown')}"
    elif backend == "torch" and framework.cuda.is_available():
        gpu = f", GPU {framework.cuda.get_device_name(0)}"
    elif backend == "jax" and framework.devices()[0].platform == "gpu":
        gpu = f", GPU {framework.devices()[0].device_kind}"
    return (f"{cpu_name()}, {os.cpu_count()} cores{gpu}; device {device}; backend {backend} "
            f"{framework.__version__}, keras {keras.__version__}, Python {platform.python_version()}")


def write_results(path, title, command, device, notes, table_lines):
    """Write a results markdown file: title, date and command, machine, notes, table. Returns the text."""
    import datetime
    import os

    text = "\n".join([
        f"# {title}",
        "",
        f"Run on {datetime.date.today()} with `{command}`.",
        f"Machine: {machine_description(device)}.",
        "",
        notes,
        "",
        *table_lines,
    ]) + "\n"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return text


def median_seconds(function, repeats):
    """Median wall time of `repeats` calls, after one untimed call that absorbs tracing and compilation."""
    import statistics
    import time

    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
