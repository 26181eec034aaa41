#!/usr/bin/env python3
"""Writes the backtesting.py reference fixture that Sibyl's backtesting-compatible mode is checked against.

    pip install backtesting==0.6.6 pandas
    python3 Tests/SibylBacktestTests/Fixtures/make_backtesting_fixture.py

It loads `Datasets/GOOGL_daily.csv` (Date index; Open, High, Low, Close, Volume; Adj Close
dropped) and runs backtesting.py's README example, SmaCross: two SMAs of Close
(`pd.Series(values).rolling(n).mean()`, n1=10, n2=20); when the fast one crosses above the slow
one, close the position and buy; when it crosses below, close the position and sell. Cases:

- `smacross`: cash=10_000, commission=.002;
- `no_commission`: cash=10_000, commission=0;
- `long_only`: buy on a cross above when flat, close the position on a cross below;
  cash=1_000_000, commission=.001;
- `out_of_money`: SmaCross on the first 400 bars of `Datasets/MSFT_daily.csv`, cash=10_000,
  commission=.002: a short in 1987 takes equity below zero, and backtesting.py closes every trade
  at that bar's close and stops.
- `same_close`: SmaCross with trade_on_close=True, commission 0, on GOOGL's bars up to and
  including its sixth crossover, so that the last bar's order is never processed (with a
  commission, backtesting.py books a close fill's commission in the next bar's equity, one bar
  after the fill; Sibyl books it at the fill, so equity is compared without one);
- `minimum_commission`: SmaCross, cash=10_000, commission=lambda size, price: max(15,
  |size|·price·0.001), the callable form of a 0.1% rate with a 15 minimum (sizing divides that
  commission for a size of about 1 into the unit price).

Every case otherwise keeps Backtest's defaults (spread=0, margin=1, trade_on_close=False,
hedging=False, exclusive_orders=False, finalize_trades=False).

It writes `backtesting_py_smacross.json` next to itself:

    {"backtesting_version", "data",
     "cases": {name: {"settings": {...},
                      "stats": {every statistic of Backtest.run(), Timestamps as ISO strings,
                                Timedeltas in days, NaN as null},
                      "trades": [{every column of stats._trades}, ...],
                      "equity": [stats._equity_curve.Equity],
                      "drawdown_pct": [stats._equity_curve.DrawdownPct]}}}

Floats are written at full precision.
"""
import json
import math
import os
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py draws a tqdm progress bar per run

import backtesting  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from backtesting import Backtest, Strategy  # noqa: E402
from backtesting.lib import crossover  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DATA = "Datasets/GOOGL_daily.csv"
OUTPUT = os.path.join(HERE, "backtesting_py_smacross.json")


def SMA(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    n1 = 10
    n2 = 20

    def init(self):
        close = self.data.Close
        self.sma1 = self.I(SMA, close, self.n1)
        self.sma2 = self.I(SMA, close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


class LongOnlySmaCross(SmaCross):
    def next(self):
        if crossover(self.sma1, self.sma2):
            if not self.position:
                self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()


CASES = {
    "smacross": (SmaCross, {"cash": 10_000, "commission": 0.002}),
    "no_commission": (SmaCross, {"cash": 10_000, "commission": 0.0}),
    "long_only": (LongOnlySmaCross, {"cash": 1_000_000, "commission": 0.001}),
    "minimum_commission": (SmaCross, {"cash": 10_000, "commission": lambda size, price: max(15.0, abs(size) * price * 0.001)}),
}
# Settings written to the fixture in place of a callable commission.
RECORDED = {"minimum_commission": {"commission": 0.001, "minimum_commission": 15.0}}
# Cases on other data: file and number of leading bars.
CASE_DATA = {"out_of_money": ("Datasets/MSFT_daily.csv", 400)}
OTHER_CASES = {"out_of_money": (SmaCross, {"cash": 10_000, "commission": 0.002})}
DEFAULTS = {"spread": 0.0, "margin": 1.0, "trade_on_close": False, "hedging": False,
            "exclusive_orders": False, "finalize_trades": False}


def load_data(path: str = DATA, bars: int | None = None) -> pd.DataFrame:
    df = pd.read_csv(os.path.join(ROOT, path), index_col="Date", parse_dates=True)
    df = df[["Open", "High", "Low", "Close", "Volume"]]
    return df if bars is None else df.iloc[:bars]


def plain(value):
    """A JSON value: ISO timestamps, Timedeltas in days, NaN/None as null, numpy scalars unwrapped."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"unexpected value {value!r} of type {type(value)}")


def sixth_cross(df: pd.DataFrame) -> int:
    """Bars up to and including the sixth crossover of SMA(10) and SMA(20) of Close."""
    fast, slow = SMA(df.Close, 10).values, SMA(df.Close, 20).values
    crosses = [i for i in range(1, len(df)) if (fast[i - 1] < slow[i - 1]) != (fast[i] < slow[i])
               and not np.isnan(slow[i - 1])]
    return crosses[5] + 1


def run_case(df: pd.DataFrame, strategy, settings: dict, recorded: dict | None = None) -> dict:
    kwargs = {**DEFAULTS, **settings}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Some trades remain open at the end of backtest"
        stats = Backtest(df, strategy, **kwargs).run()
    trades = stats["_trades"]
    curve = stats["_equity_curve"]
    return {
        "settings": {"strategy": strategy.__name__, "n1": strategy.n1, "n2": strategy.n2, **kwargs, **(recorded or {})},
        "stats": {key: plain(value) for key, value in stats.items() if not key.startswith("_")},
        "trades": [{column: plain(row[column]) for column in trades.columns}
                   for _, row in trades.iterrows()],
        "equity": [float(v) for v in curve["Equity"]],
        "drawdown_pct": [float(v) for v in curve["DrawdownPct"]],
    }


def main() -> None:
    df = load_data()
    cases = {name: run_case(df, strategy, settings, RECORDED.get(name)) for name, (strategy, settings) in CASES.items()}
    bars = sixth_cross(df)
    cases["same_close"] = run_case(df.iloc[:bars], SmaCross, {"cash": 10_000, "commission": 0.0, "trade_on_close": True})
    cases["same_close"]["settings"].update({"data": DATA, "bars": bars})
    for name, (strategy, settings) in OTHER_CASES.items():
        path, bars = CASE_DATA[name]
        cases[name] = run_case(load_data(path, bars), strategy, settings)
        cases[name]["settings"].update({"data": path, "bars": bars})
    fixture = {"backtesting_version": backtesting.__version__, "data": DATA, "cases": cases}
    with open(OUTPUT, "w") as f:
        json.dump(fixture, f, allow_nan=False)
        f.write("\n")
    for name, case in fixture["cases"].items():
        s = case["stats"]
        print(f"{name}: {s['# Trades']} trades, equity {s['Equity Final [$]']:.2f}, "
              f"return {s['Return [%]']:.4f}%, Sharpe {s['Sharpe Ratio']:.4f}")


if __name__ == "__main__":
    main()
