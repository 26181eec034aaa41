#!/usr/bin/env python3
"""Peers for Sibyl's element-wise benchmark: sigmoid, tanh and add over the same number of float32
values, with numpy (one thread), scipy.special.expit and PyTorch (at each thread count), each
writing into a preallocated output as Sibyl's kernels do.

    elementwise_peers.py [--elements 10000000] [--threads 1,2] [--min-time 0.15] [--repeats 5]

Inputs are uniform on [-10, 10] (the second operand of add on [-1, 1]), as in `sibyl bench
--suites elementwise`. Prints one JSON document ({"bench", "env", "records"}) in the record format
of `sibyl bench --json`; a backend whose package is missing is left out with a note on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data_peers import time_calls  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elements", type=int, default=10_000_000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--min-time", type=float, default=0.15)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = args.elements
    rng = np.random.default_rng(42)
    x = rng.uniform(-10, 10, n).astype(np.float32)
    x2 = rng.uniform(-1, 1, n).astype(np.float32)
    y = np.empty_like(x)
    records = []

    def record(backend: str, op: str, threads: int, fn) -> None:
        seconds = time_calls(fn, args.min_time, args.repeats)
        ns = [1e9 * s / n for s in seconds]
        print(f"{backend:8s} {op:8s} t={threads} {statistics.median(ns):8.3f} ns/element", file=sys.stderr)
        records.append({"key": {"suite": "elementwise", "backend": backend, "op": op, "dtype": "float32",
                                "elements": n, "threads": threads},
                        "metrics": {"ns_per_element": statistics.median(ns), "ns_per_element_best": min(ns)}})

    def numpy_sigmoid():
        np.negative(x, out=y)
        np.exp(y, out=y)
        np.add(y, 1, out=y)
        np.reciprocal(y, out=y)

    # numpy's ufuncs run on one thread.
    record("numpy", "sigmoid", 1, numpy_sigmoid)
    record("numpy", "tanh", 1, lambda: np.tanh(x, out=y))
    record("numpy", "add", 1, lambda: np.add(x, x2, out=y))
    versions = {"numpy": np.__version__}
    try:
        import scipy
        from scipy.special import expit

        record("scipy", "sigmoid", 1, lambda: expit(x, out=y))
        versions["scipy"] = scipy.__version__
    except ImportError:
        print("scipy missing: no expit", file=sys.stderr)
    try:
        import torch

        tx, tx2, ty = torch.from_numpy(x), torch.from_numpy(x2), torch.from_numpy(y)
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            record("torch", "sigmoid", threads, lambda: torch.sigmoid(tx, out=ty))
            record("torch", "tanh", threads, lambda: torch.tanh(tx, out=ty))
            record("torch", "add", threads, lambda: torch.add(tx, tx2, out=ty))
        versions["torch"] = torch.__version__
    except ImportError:
        print("torch missing: numpy and scipy only", file=sys.stderr)
    doc = {"bench": "elementwise_peers", "env": {"python": platform.python_version(), **versions,
                                                 "time": time.strftime("%Y-%m-%dT%H:%M:%S")},
           "records": records}
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
