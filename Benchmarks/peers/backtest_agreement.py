#!/usr/bin/env python3
"""Checks that Sibyl's SMA crossover gives the peers' results, not only their speed.

The peer script backtest_peers.py times its engines on a seeded random walk under shared rules
(buy with all cash on a cross up at that close, sell on a cross down, 0.1% commission a side,
final equity = cash + shares · last close) and holds them to a plain-loop reference. This script
writes the same data (its `make_data`) to a CSV, runs

    sibyl backtest --strategy sma-cross --fast 10 --slow 30 --commission 0.001
                   --fill same-close --cash 1e8 [--whole-units] --json

on it, and prints one JSON record per flavour with the reference's final equity and trade count
beside Sibyl's; it exits 1 when any differ (final equity beyond --tolerance, or the trades). Run with the peers' Python (numpy and pandas):

    VENV/bin/python Benchmarks/peers/backtest_agreement.py --peers DIR --sibyl .build/release/sibyl
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", required=True, help="folder holding backtest_peers.py")
    ap.add_argument("--sibyl", default=".build/release/sibyl")
    # 50,000 business days from 2010 end in 2201, inside the nanosecond range of pandas 2.
    ap.add_argument("--bars", type=int, nargs="+", default=[2520, 50_000])
    ap.add_argument("--tolerance", type=float, default=1e-9, help="largest relative difference in final equity that agrees")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers))
    import backtest_peers as peers  # noqa: E402 (the peer script, found through --peers)

    records = []
    with tempfile.TemporaryDirectory() as folder:
        for bars in args.bars:
            data = peers.make_data(bars)
            data.index.name = "Date"
            path = os.path.join(folder, f"walk-{bars}.csv")
            # 17 significant digits: every close is read back as the same double.
            data.to_csv(path, float_format="%.17g")
            close = data["Close"].to_numpy()
            for units in ("whole", "fractional"):
                reference = peers.run_reference(close, units)
                command = [args.sibyl, "backtest", "--data", path, "--strategy", "sma-cross", "--fast", str(peers.FAST),
                           "--slow", str(peers.SLOW), "--commission", str(peers.FEE), "--fill", "same-close",
                           "--cash", repr(peers.CASH), "--json"] + (["--whole-units"] if units == "whole" else [])
                done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
                result = json.loads(done.stdout)
                equity = result["statistics"]["equityFinal"]
                # The reference counts entries; Sibyl's closed trades plus one still open.
                trades = result["trades"] + result["openTrades"]
                difference = abs(equity - reference["final_equity"]) / abs(reference["final_equity"])
                records.append({
                    "key": {"suite": "backtest-agreement", "bars": bars, "units": units},
                    "metrics": {
                        "sibyl_equity": equity, "reference_equity": reference["final_equity"],
                        "equity_rel_diff": difference, "sibyl_trades": trades, "reference_trades": reference["trades"],
                        "agrees": difference <= args.tolerance and trades == reference["trades"],
                    },
                })
    print(json.dumps({"bench": "backtest_agreement", "env": {"python": sys.version.split()[0]}, "records": records}, indent=1))
    # A disagreement fails the run, so that a script or CI step can rely on it.
    sys.exit(0 if all(r["metrics"]["agrees"] for r in records) else 1)


if __name__ == "__main__":
    main()
