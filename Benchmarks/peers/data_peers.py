#!/usr/bin/env python3
"""Peers for Sibyl's data benchmarks: pandas.read_csv on the same CSV file, and the rolling FFT
spectral features (fft:64:8) computed with numpy, with pyFFTW or numpy's FFT for the transforms.

    data_peers.py [--csv FILE] [--bars 1000000] [--min-time 0.15] [--repeats 5] [--out FILE]

The CSV file is the one `sibyl bench --suites csv --csv-file FILE` writes and reads. Prints one
JSON document ({"bench", "env", "records"}) in the record format of `sibyl bench --json`.

The spectral computation follows Docs/Features.md: per window of W log closes, a least-squares
detrend, a periodic Hann taper, a real FFT in float32, powers of bins 1..W/2, K geometric band
shares, dominant period, normalized entropy and centroid. It checks itself against Sibyl's
definition on a few windows computed with an explicit loop before timing.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np


def time_calls(fn, min_time: float, repeats: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            break
        inner = max(inner * 2, int(inner * min_time / max(dt, 1e-9) * 1.1))
    out = [dt / inner]
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return out


def band_edges(window: int, bands: int) -> np.ndarray:
    m = window // 2
    return np.array([math.ceil((m + 1) ** (j / bands) - 1e-9) for j in range(bands + 1)])


def spectral_features(log_close: np.ndarray, window: int, bands: int, rfft) -> np.ndarray:
    """(n - W + 1, K + 3) features for the windows ending at bars W-1 .. n-1."""
    m = window // 2
    win = np.lib.stride_tricks.sliding_window_view(log_close, window)
    i = np.arange(window, dtype=np.float64)
    si, sii = i.sum(), (i * i).sum()
    s0 = win.sum(axis=1)
    s1 = win @ i
    b = (window * s1 - si * s0) / (window * sii - si * si)
    a = (s0 - b * si) / window
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * i / window)
    tapered = ((win - a[:, None] - b[:, None] * i) * hann).astype(np.float32)
    spectrum = rfft(tapered)
    power = (spectrum.real[:, 1:m + 1] ** 2 + spectrum.imag[:, 1:m + 1] ** 2).astype(np.float64)
    total = power.sum(axis=1)
    edges = band_edges(window, bands)
    shares = np.add.reduceat(power, edges[:-1] - 1, axis=1) / total[:, None]
    period = window / (np.argmax(power, axis=1) + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(power > 0, power * np.log(np.where(power > 0, power, 1)), 0).sum(axis=1)
    entropy = -(plogp / total - np.log(total)) / np.log(m)
    centroid = (power @ np.arange(1, m + 1)) / total / window
    return np.column_stack([shares, period, entropy, centroid])


def reference_window(x: np.ndarray, window: int, bands: int) -> np.ndarray:
    """One window by explicit loops and numpy's float64 FFT: the self-check."""
    n = len(x)
    i = list(range(n))
    sx, six = sum(x), sum(k * v for k, v in zip(i, x))
    si, sii = sum(i), sum(k * k for k in i)
    b = (n * six - si * sx) / (n * sii - si * si)
    a = (sx - b * si) / n
    y = [(x[k] - a - b * k) * (0.5 - 0.5 * math.cos(2 * math.pi * k / n)) for k in i]
    spec = np.fft.rfft(np.array(y))
    m = n // 2
    power = [abs(spec[k]) ** 2 for k in range(1, m + 1)]
    total = sum(power)
    edges = band_edges(window, bands)
    shares = [sum(power[k - 1] for k in range(edges[j], edges[j + 1])) / total for j in range(bands)]
    period = window / (power.index(max(power)) + 1)
    entropy = -sum((p / total) * math.log(p / total) for p in power if p > 0) / math.log(m)
    centroid = sum((k + 1) * p for k, p in enumerate(power)) / total / window
    return np.array(shares + [period, entropy, centroid])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", help="CSV file to read with pandas (leave out to time only the features)")
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--bands", type=int, default=8)
    ap.add_argument("--min-time", type=float, default=0.15)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    records = []

    import pandas as pd

    def read_with_dates():
        frame = pd.read_csv(args.csv)
        frame["Date"] = pd.to_datetime(frame["Date"], format="ISO8601")
        return frame

    if args.csv:
        rows = len(read_with_dates())
        for name, fn in (("pandas read_csv + to_datetime", read_with_dates), ("pandas read_csv", lambda: pd.read_csv(args.csv))):
            seconds = time_calls(fn, args.min_time, args.repeats)
            med = statistics.median(seconds)
            print(f"{name:34s} {rows / med:12.0f} rows/s", file=sys.stderr)
            records.append({"key": {"suite": "csv", "backend": name, "rows": rows, "threads": 1},
                            "metrics": {"rows_per_s": rows / med, "seconds": med}})

    rng = np.random.default_rng(42)
    log_close = np.log(100.0) + np.cumsum(0.01 * rng.standard_normal(args.bars))
    backends = {"numpy": lambda a: np.fft.rfft(a, axis=1)}
    try:
        import pyfftw

        windows = args.bars - args.window + 1
        src = pyfftw.empty_aligned((windows, args.window), dtype="float32")
        plan = pyfftw.builders.rfft(src, axis=1, threads=1, planner_effort="FFTW_MEASURE", overwrite_input=True)

        def pyfftw_rfft(a):
            src[:] = a
            return plan()
        backends["pyfftw"] = pyfftw_rfft
    except ImportError:
        print("pyfftw missing: numpy FFT only", file=sys.stderr)
    check = spectral_features(log_close[:500], args.window, args.bands, backends["numpy"])
    for t in (0, 137, 436):
        ref = reference_window(list(log_close[t:t + args.window]), args.window, args.bands)
        assert np.allclose(check[t], ref, rtol=1e-4, atol=1e-6), (t, check[t], ref)
    close = np.exp(log_close)  # both sides start from closes: the log is part of the work
    for name, rfft in backends.items():
        seconds = time_calls(lambda: spectral_features(np.log(close), args.window, args.bands, rfft),
                             args.min_time, args.repeats)
        med = statistics.median(seconds)
        print(f"rolling fft:{args.window}:{args.bands} {name:8s} {args.bars / med:12.0f} bars/s", file=sys.stderr)
        records.append({"key": {"suite": "features", "backend": f"numpy + {name} FFT", "spec": f"fft:{args.window}:{args.bands}",
                                "bars": args.bars, "threads": 1},
                        "metrics": {"bars_per_s": args.bars / med, "seconds": med}})

    doc = {"bench": "data_peers", "env": {"python": platform.python_version(), "numpy": np.__version__,
                                          "pandas": pd.__version__, "time": time.strftime("%Y-%m-%dT%H:%M:%S")},
           "records": records}
    text = json.dumps(doc, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
