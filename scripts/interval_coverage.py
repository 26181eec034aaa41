#!/usr/bin/env python3
"""Coverage of the forecast's prediction interval, scaled by volatility or not, on the bundled series.

    python3 scripts/interval_coverage.py        # needs numpy and pandas

`sibyl forecast` draws its interval from split-conformal quantiles of held-out log errors, each
divided by σ_t, the sample standard deviation of the 20 log returns up to the forecast's origin
(see Sources/SibylForecasting/PredictionInterval.swift). This script checks that choice with the
naive forecaster (error = next log return), whose errors any model's resemble on these series:
windows of 500 errors calibrate an interval, which is checked on the next 250 errors; windows
start every 250 bars. It prints, per series and level, the mean coverage deviation from the level,
the mean absolute deviation, and the worst window (with the date of the first bar it checks), with
σ-scaling (W=20) and without (W=0).
"""
import math
import os

import numpy as np
import pandas as pd

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SERIES = ["SPX_daily", "MSFT_daily", "GOOGL_daily", "EURUSD_hourly"]


def quantiles(calibration: np.ndarray, level: float) -> tuple[float, float]:
    """Order statistics of rank ⌊(n+1)(1−L)/2⌋ and ⌈(n+1)(1+L)/2⌉ (1-based)."""
    ordered = np.sort(calibration)
    n = len(ordered)
    low = max(1, math.floor((n + 1) * (1 - level) / 2 + 1e-9))
    high = min(n, math.ceil((n + 1) * (1 + level) / 2 - 1e-9))
    return ordered[low - 1], ordered[high - 1]


def main() -> None:
    for name in SERIES:
        frame = pd.read_csv(os.path.join(ROOT, "Datasets", f"{name}.csv"))
        close = frame["Close"].to_numpy(float)
        dates = frame.iloc[:, 0].astype(str).to_numpy()
        r = np.diff(np.log(close))  # r[t] = ln(C[t+1] / C[t])
        for bars in (0, 20):
            sigma = pd.Series(r).rolling(bars).std().to_numpy() if bars else np.ones_like(r)
            cells = []
            for level in (0.8, 0.95):
                deviations, firsts = [], []
                for start in range(100, len(r) - 750, 250):
                    origins = np.arange(start, start + 750)
                    # The error of the forecast made at the close after r[t] is r[t+1]; σ uses r up to t.
                    errors = r[origins + 1] / sigma[origins]
                    low, high = quantiles(errors[:500], level)
                    deviations.append(np.mean((errors[500:] >= low) & (errors[500:] <= high)) - level)
                    # The first checked error, r[start + 501], is the move into bar start + 502.
                    firsts.append(dates[start + 502][:10])
                d = np.array(deviations)
                worst = int(np.argmin(d))
                cells.append(f"{level:.2f}: mean {d.mean():+.3f}, mean |dev| {np.abs(d).mean():.3f}, "
                             f"worst {d[worst]:+.3f} (from {firsts[worst]})")
            print(f"{name:14s} {'σ-scaled (20 bars)' if bars else 'unscaled':18s} " + " | ".join(cells))


if __name__ == "__main__":
    main()
