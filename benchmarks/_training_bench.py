"""What the training-throughput benchmarks share: their arguments and the header line naming the machine."""

import argparse
import platform

import keras

from mmkeras.training import detect_device


def parse_arguments(description, default_steps):
    """`--steps` and `--batch-size`; returns `(args, device)`."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--steps", type=int, default=default_steps)
    parser.add_argument("--batch-size", type=int, default=64)
    return parser.parse_args(), detect_device()


def print_header(args, device, timing):
    """The machine, the device, Keras, the batch and how steps were timed, then a blank line."""
    print(f"machine: {platform.machine()}, {device}, keras {keras.__version__}, "
          f"batch {args.batch_size}, {timing.format(steps=args.steps)}")
    print()
