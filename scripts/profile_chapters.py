"""Time the chapters one at a time: seconds per chapter and for each of its slowest cells.

Usage:
    python scripts/profile_chapters.py                 # every chapter, one after another
    python scripts/profile_chapters.py 05 13           # the chapters whose numbers are given
    python scripts/profile_chapters.py --cells 5       # list each chapter's five slowest cells

Each chapter runs alone, in a fresh kernel started from `notebooks/` (as
nbmake starts it), with nothing else running: the times a reader sees when
they press Restart & Run All on this machine. The results go to
`benchmarks/results/chapter_times_cpu.json` (merged with the chapters timed
before, so one chapter can be re-timed) and `chapter_times_cpu.md`. The
script prints the line the README quotes (a test checks that they agree).
Cells are numbered from 0 as they are committed.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _cpu_name():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_chapter(path, timeout):
    """Run one chapter; return its total seconds, the seconds of every code cell by index, and the failure.

    The failure is `None`, or the failing cell's index and the last line of its error (the run stops there).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    cell_seconds = {}
    failure = None
    started = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(book.cells):
            if cell.cell_type != "code":
                continue
            cell_started = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                # The time up to a failing cell is still worth having; the failure is reported beside it.
                last_line = re.sub(r"\x1b\[[0-9;]*m", "", str(error).strip().splitlines()[-1])  # no terminal colours
                failure = f"cell {index}: {last_line[:160]}"
            cell_seconds[index] = round(time.perf_counter() - cell_started, 2)
            if failure:
                break
    return round(time.perf_counter() - started, 1), cell_seconds, failure


def readme_line(results):
    """The chapters' times as the README quotes them: `01 6 s · 02 54 s · ...`, and their total in minutes."""
    chapters = results["chapters"]
    total = sum(entry["seconds"] for entry in chapters.values())
    times = " · ".join(f"{name[:2]} {entry['seconds']:.0f} s" + (" (failed)" if entry.get("failure") else "")
                       for name, entry in sorted(chapters.items()))
    return f"{times} ({total / 60:.0f} minutes in all)"


def write_table(results, slowest_cells, path):
    chapters = results["chapters"]
    total = sum(entry["seconds"] for entry in chapters.values())
    lines = [
        "# Chapter times on cpu",
        "",
        f"Made by `python scripts/profile_chapters.py [NN ...]`; the last run was `{results['command']}` on "
        f"{results['date']} (the .json beside this file dates each chapter).",
        f"Machine: {results['machine']}; tensorflow {results['tensorflow']}, keras {results['keras']}, "
        f"Python {results['python']}.",
        "",
        "Each chapter ran alone in a fresh kernel with nothing else running: the time Restart & Run All "
        "takes on this machine. The test suite runs two chapters side by side, one per core, so each "
        "takes longer there.",
        "",
        "| chapter | seconds | slowest cells (index: seconds) |",
        "|---|---:|---|",
    ]
    for name in sorted(chapters):
        entry = chapters[name]
        cells = sorted(entry["cells"].items(), key=lambda item: -item[1])[:slowest_cells]
        listed = ", ".join(f"{index}: {seconds:.0f}" for index, seconds in cells)
        failed = f" (failed at {entry['failure']})" if entry.get("failure") else ""
        lines.append(f"| {name} | {entry['seconds']:.0f}{failed} | {listed} |")
    lines += ["", f"All chapters one after another: {total:.0f} s ({total / 60:.1f} min)."]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="two-digit chapter numbers; all chapters when none is given")
    parser.add_argument("--cells", type=int, default=4, help="how many of each chapter's slowest cells to list")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds one cell may take")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.chapters:
        unknown = sorted(set(args.chapters) - {path.name[:2] for path in notebooks})
        if unknown:
            parser.error(f"no chapter numbered {', '.join(unknown)}; the chapters are "
                         f"{', '.join(path.name[:2] for path in notebooks)}")
        notebooks = [path for path in notebooks if path.name[:2] in args.chapters]

    import keras
    import tensorflow as tf

    store = RESULTS / "chapter_times_cpu.json"
    results = json.loads(store.read_text()) if store.exists() else {"chapters": {}}
    results.update(
        date=datetime.date.today().isoformat(),
        command="python scripts/profile_chapters.py" + (" " + " ".join(args.chapters) if args.chapters else ""),
        machine=f"{_cpu_name()}, {os.cpu_count()} cores",
        tensorflow=tf.__version__, keras=keras.__version__, python=platform.python_version(),
    )
    failures = []
    for path in notebooks:
        seconds, cells, failure = time_chapter(path, args.timeout)
        results["chapters"][path.stem] = {"seconds": seconds, "cells": {str(k): v for k, v in cells.items()},
                                          "date": results["date"], "failure": failure}
        if failure:
            failures.append(f"{path.stem}: {failure}")
            print(f"{path.stem} FAILED at {failure}", flush=True)
        slow = sorted(cells.items(), key=lambda item: -item[1])[:args.cells]
        print(f"{path.stem}: {seconds:.1f} s; slowest cells " + ", ".join(f"{i}: {s:.1f}" for i, s in slow),
              flush=True)
        store.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        write_table(results, args.cells, RESULTS / "chapter_times_cpu.md")
    print("For the README:", readme_line(results))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
