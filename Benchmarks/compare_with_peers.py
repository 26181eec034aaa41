#!/usr/bin/env python3
"""Run `sibyl bench --json` and the peer benchmark scripts in the same run, then print ratios.

The peers are the reference systems Sibyl is compared with (numpy/OpenBLAS GEMM, pyFFTW and FFTW
through ctypes for FFTs, ...). They print JSON documents in the same record format as
`sibyl bench --json`. Runs alternate Sibyl and peer, so that a machine whose speed drifts affects
both sides alike; the reported figure per side is the median over rounds.

    Benchmarks/compare_with_peers.py --peers DIR --python VENV/bin/python [--rounds 2]
        [--suites gemm fft elementwise] [--sibyl .build/release/sibyl] [--out results.json]
        [--wait-quiet 60] [--threads 1,2] [--gemm-sizes 64,...] [--fft-sizes 32,...]
        [--configs "F,H,L,T,B;..."]

--threads, --gemm-sizes, --fft-sizes and --configs go to both sides (the peers' --threads, --sizes
and --configs), so any shape the peers can time is compared; left out, each side runs its defaults.

Before each side it waits (up to --wait-quiet seconds) for other processes to leave the CPUs idle,
with the peers' wait_quiet.py, and it prints how busy the machine was during the peers' runs. A
peer that fails is reported with the end of its standard error; the other suites still compare.
Records without a key or a positive finite figure are left out with a warning; a peer left with
none has failed, as has a table none of whose rows pairs the two sides (the run exits 1).

The recurrent suite runs case by case: for each thread count, cell and configuration, Sibyl's
run and PyTorch's two (as installed, and with huge pages) follow one another, so that each round
gives a pair measured within seconds of each other; its ratios are the medians of those per-round
ratios. (This machine's speed can shift by a quarter within a minute, which whole-suite runs
minutes apart turn into noise on one side only.) A case that fails on either side is named and
fails the run (exit 1) while the other cases still compare.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE pass through unchanged to both sides: to compare another
kernel, set them on this command (both sides then load the same core).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

PEER_SCRIPTS = {
    "gemm": ("gemm.py", ["--backends", "numpy,system", "--dtypes", "float32"]),
    "fft": ("fft_peers.py", ["--backends", "pyfftw,system,numpy"]),
    "backtest": ("backtest_peers.py", ["--bars", "1000000", "--engines", "vectorbt,backtesting"]),
}


# The recurrent suite's peer (run case by case, not through PEER_SCRIPTS), its configurations
# (F, H, L, T, B) and its cells.
RECURRENT_PEER = "lstm_torch.py"
RECURRENT_CONFIGS = "8,64,1,64,64;32,128,2,64,64;16,256,1,128,32;5,32,1,30,256"
RECURRENT_CELLS = ("lstm", "gru")


def run_json(cmd: list[str], extra_env: dict[str, str] | None = None, check: bool = True) -> dict | None:
    """The JSON document `cmd` prints. With `check`, a command that fails or prints no document is
    reported with the end of its standard error and gives None, so the other suites still run;
    without, a run that fails may still have printed its document, and its errors show as they come."""
    print("+ " + "".join(f"{k}={v} " for k, v in (extra_env or {}).items()) + " ".join(cmd), file=sys.stderr, flush=True)
    env = dict(os.environ, **(extra_env or {}))
    name = os.path.basename(cmd[1] if len(cmd) > 1 and cmd[1].endswith(".py") else cmd[0])
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE if check else None, text=True, env=env)
    except OSError as error:
        print(f"error: cannot run {cmd[0]}: {error.strerror}", file=sys.stderr)
        return None
    try:
        document = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        document = None
    # A document in the record format: an object with its environment and a list of records.
    formed = isinstance(document, dict) and isinstance(document.get("env"), dict) and isinstance(document.get("records"), list)
    document = usable(document, name) if formed else None
    if done.returncode != 0 and check or document is None:
        if formed and document is None and done.returncode == 0:
            return None  # `usable` said what was missing
        tail = "\n    ".join((done.stderr or "").strip().splitlines()[-6:]) if check else "(its errors are above)"
        print(f"error: {name} failed (exit status {done.returncode}){' and printed no document' if document is None else ''}:\n    {tail}",
              file=sys.stderr)
        return None
    return document


def is_figure(value) -> bool:
    """A measured figure: a finite number above 0 (not a flag, a string or a NaN)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def usable(document: dict, name: str) -> dict | None:
    """`document` with only the records the tables can read: a `key` object whose values are
    numbers or strings and a `metrics` object, each metric a figure (others are dropped). What is
    left out is said; a document with no figure at all is None, a failed run."""
    kept, dropped = [], 0
    for record in document["records"]:
        if not (isinstance(record, dict) and isinstance(record.get("key"), dict) and isinstance(record.get("metrics"), dict)
                and all(isinstance(v, (int, float, str)) or v is None for v in record["key"].values())):
            dropped += 1
            continue
        metrics = {k: v for k, v in record["metrics"].items() if is_figure(v)}
        if not metrics:
            dropped += 1
            continue
        kept.append({**record, "metrics": metrics})
    if dropped:
        print(f"warning: {name} printed {dropped} record(s) without a key and a positive finite figure; left out", file=sys.stderr)
    if not kept:
        print(f"error: {name} printed no record with a figure", file=sys.stderr)
        return None
    return {**document, "records": kept}


def ordered(values: tuple) -> tuple:
    """A sort key for table rows whose fields may mix numbers, strings and None."""
    return tuple((0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v)) for v in values)


def wait_quiet(peers: str, python: str, timeout: float) -> None:
    """Waits (up to `timeout` seconds) until other processes leave the CPUs nearly idle, with the
    peers' own wait_quiet.py, so that each side starts on a quiet machine."""
    script = os.path.join(peers, "wait_quiet.py")
    if timeout > 0 and os.path.exists(script):
        try:
            subprocess.run([python, script, "--timeout", str(timeout)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            pass  # the peer command will report the missing Python


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# A recurrent record's key: cell, mode, the configuration and the thread count.
RECURRENT_FIELDS = ("cell", "mode", "input", "hidden", "layers", "seq", "batch", "threads")


def recurrent_key(record: dict) -> tuple:
    return tuple(record["key"].get(f) for f in RECURRENT_FIELDS)


def pair_ratio(rounds: list[tuple], peer_of) -> float:
    """The median over rounds of Sibyl's figure over the peer's (`peer_of` picks it from a round's
    (sibyl, torch, torch+THP)); NaN when no round has both."""
    ratios = [r[0] / peer_of(r) for r in rounds if r[0] and peer_of(r)]
    return statistics.median(ratios) if ratios else float("nan")


def median_by_key(docs: list[dict], key_fields: tuple[str, ...], metric: str, suite: str | None = None) -> dict:
    """Medians of `metric` by key; with `suite`, of that suite's records only (suites run together
    share metric names: the backtest and features suites both count bars/s)."""
    values = defaultdict(list)
    for doc in docs:
        for record in doc["records"]:
            if suite is not None and record["key"].get("suite") != suite:
                continue
            key = tuple(record["key"].get(f) for f in key_fields)
            if record["metrics"].get(metric) is not None:
                values[key].append(record["metrics"][metric])
    return {k: statistics.median(v) for k, v in values.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", required=True, help="folder holding the peer scripts (gemm.py, fft_peers.py, ...)")
    ap.add_argument("--python", default=sys.executable, help="Python with the peers' packages installed")
    ap.add_argument("--sibyl", default=".build/release/sibyl")
    ap.add_argument("--suites", nargs="+", default=["gemm", "fft", "elementwise"],
                    choices=["gemm", "fft", "elementwise", "csv", "features", "recurrent", "backtest"])
    ap.add_argument("--rounds", type=positive_int, default=2)
    ap.add_argument("--min-time", type=float, default=0.15)
    ap.add_argument("--csv-file", default="/tmp/sibyl-bench-1M.csv", help="CSV file both sides read in the csv suite")
    ap.add_argument("--out", help="write every raw document here as JSON")
    ap.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS",
                    help="before each side, wait up to this long for other processes to leave the CPUs idle (0: never)")
    ap.add_argument("--threads", help="thread counts for both sides, comma-separated (default: each side's, 1,2)")
    ap.add_argument("--gemm-sizes", help="square GEMM sizes for both sides (gemm.py --sizes)")
    ap.add_argument("--fft-sizes", help="FFT sizes for both sides (fft_peers.py --sizes)")
    ap.add_argument("--configs", help="recurrent configurations F,H,L,T,B;... for both sides (lstm_torch.py --configs)")
    args = ap.parse_args()
    # Each suite, thread count and configuration once, in the order given.
    args.suites = list(dict.fromkeys(args.suites))
    here = os.path.dirname(os.path.abspath(__file__))
    scripts = {"elementwise": os.path.join(here, "peers", "elementwise_peers.py"), "csv": os.path.join(here, "peers", "data_peers.py"),
               "features": os.path.join(here, "peers", "data_peers.py"), "recurrent": os.path.join(args.peers, RECURRENT_PEER),
               **{suite: os.path.join(args.peers, script) for suite, (script, _) in PEER_SCRIPTS.items()}}
    for suite in args.suites:
        if not os.path.isfile(scripts[suite]):
            sys.exit(f"error: the {suite} suite's peer {scripts[suite]} does not exist (fix: pass --peers with the folder of the peer scripts)")
    if args.out:
        # Checked before hours of timing, not at the end.
        try:
            with open(args.out, "a"):
                pass
        except OSError as error:
            sys.exit(f"error: --out {args.out}: {error.strerror} (fix: name a file in a folder that exists and can be written)")
    if not os.path.exists(args.sibyl):
        sys.exit(f"error: no Sibyl binary at {args.sibyl} (fix: swift build -c release, or pass --sibyl)")
    if args.configs is not None:
        for config in args.configs.split(";"):
            fields = config.split(",")
            if len(fields) != 5 or not all(re.fullmatch(r"\s*[0-9]+\s*", f) and int(f) > 0 for f in fields):
                sys.exit(f"error: --configs: '{config}' is not five positive whole numbers F,H,L,T,B "
                         "(fix: for example --configs \"16,256,1,128,32;8,64,1,64,64\")")
    if "recurrent" in args.suites:
        try:
            probe = subprocess.run([args.python, "-c", "import torch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        except OSError as error:
            sys.exit(f"error: cannot run {args.python}: {error.strerror} (fix: pass --python with the peers' venv; the peers' setup.sh makes one)")
        if probe != 0:
            sys.exit(f"error: {args.python} cannot import torch, which the recurrent suite's peer needs "
                     "(fix: pass --python with a venv holding torch==2.13.0+cpu; the peers' setup.sh makes one)")

    def shared(option: str, peer_name: str | None = None) -> list[str]:
        """The option and its value when given on this command, under Sibyl's name or the peer's."""
        value = getattr(args, option)
        return [] if value is None else [peer_name or "--" + option.replace("_", "-"), value]

    # Each peer script's own names for the shared options.
    peer_options = {"gemm": shared("threads") + shared("gemm_sizes", "--sizes"),
                    "fft": shared("threads") + shared("fft_sizes", "--sizes")}

    sibyl_docs, peer_docs, expected = [], defaultdict(list), set()

    def peer(name: str, command: list[str], extra_env: dict[str, str] | None = None) -> dict | None:
        expected.add(name)
        wait_quiet(args.peers, args.python, args.wait_quiet)
        document = run_json(command, extra_env)
        if document is not None:
            peer_docs[name].append(document)
        return document

    # (cell, mode, F, H, L, T, B, threads) -> one (sibyl, torch, torch+THP) per round.
    recurrent_pairs: dict[tuple, list[tuple]] = defaultdict(list)
    failed_cases: list[str] = []

    def recurrent_round() -> None:
        """One round of the recurrent suite, case by case: Sibyl's run, then PyTorch's two."""
        for threads in dict.fromkeys(t.strip() for t in (args.threads or "1,2").split(",")):
            for cell in RECURRENT_CELLS:
                for config in dict.fromkeys(c.replace(" ", "") for c in (args.configs or RECURRENT_CONFIGS).split(";")):
                    f, h, l, t, b = (int(v) for v in config.split(","))
                    wait_quiet(args.peers, args.python, args.wait_quiet)
                    case = f"{cell} F{f} H{h} L{l} T{t} B{b} t={threads}"
                    ours = run_json([args.sibyl, "bench", "--json", "--min-time", str(args.min_time), "--suites", "recurrent",
                                     "--threads", threads, "--configs", config, "--filter", f"{cell} F{f} H{h} L{l} T{t} B{b} "])
                    if ours is None:
                        # The other cases still compare; this one is reported and fails the run.
                        failed_cases.append(f"sibyl {case}")
                        continue
                    sibyl_docs.append(ours)
                    command = [args.python, os.path.join(args.peers, RECURRENT_PEER), "--min-time", str(args.min_time),
                               "--threads", threads, "--cells", cell, "--configs", config]
                    # PyTorch runs both ways: as installed, and with its CPU allocations advised
                    # onto transparent huge pages (THP_MEM_ALLOC_ENABLE=1), its faster setting for
                    # training on machines with THP in madvise mode. Sibyl's large buffers ask for
                    # huge pages themselves.
                    theirs = [peer(name, command, environment) for name, environment in
                              (("recurrent", None), ("recurrent_thp", {"THP_MEM_ALLOC_ENABLE": "1"}))]
                    failed_cases.extend(f"{name} {case}" for name, doc in zip(("torch", "torch+THP"), theirs) if doc is None)
                    figures = [{recurrent_key(r): r["metrics"]["seq_per_s"] for r in doc["records"] if "seq_per_s" in r["metrics"]}
                               if doc else {} for doc in [ours, *theirs]]
                    for key, value in figures[0].items():
                        recurrent_pairs[key].append((value, figures[1].get(key), figures[2].get(key)))

    others = [suite for suite in args.suites if suite != "recurrent"]
    for _ in range(args.rounds):
        if others:
            wait_quiet(args.peers, args.python, args.wait_quiet)
            document = run_json([args.sibyl, "bench", "--json", "--min-time", str(args.min_time),
                                 "--csv-file", args.csv_file, *shared("threads"), *shared("gemm_sizes"),
                                 *shared("fft_sizes"), "--suites", *others])
            if document is None:
                sys.exit("error: sibyl bench failed; nothing to compare")
            sibyl_docs.append(document)
        if "elementwise" in args.suites:
            peer("elementwise", [args.python, os.path.join(here, "peers", "elementwise_peers.py"), "--min-time", str(args.min_time),
                                 *shared("threads")])
        if "csv" in args.suites or "features" in args.suites:
            # The CSV read is compared only when the csv suite runs (it writes the file).
            csv = ["--csv", args.csv_file] if "csv" in args.suites else []
            peer("data", [args.python, os.path.join(here, "peers", "data_peers.py"), *csv, "--min-time", str(args.min_time)])
        for suite in others:
            if suite in PEER_SCRIPTS:
                script, extra = PEER_SCRIPTS[suite]
                timing = [] if suite == "backtest" else ["--min-time", str(args.min_time)]
                command = [args.python, os.path.join(args.peers, script), *timing, *extra, *peer_options.get(suite, [])]
                peer(suite, command)
        # After the other suites' peers, so that each of those still follows Sibyl's run closely.
        if "recurrent" in args.suites:
            recurrent_round()
    if not sibyl_docs:
        sys.exit("error: sibyl bench failed on every case; nothing to compare")
    missing = sorted(name for name in expected if not peer_docs[name])
    loads = [doc["env"].get("foreign_load", {}) for docs in peer_docs.values() for doc in docs]
    busiest = max((load["foreign_busy_cpus"] for load in loads if isinstance(load, dict) and is_figure(load.get("foreign_busy_cpus"))),
                  default=None)

    if args.out:
        with open(args.out, "w") as f:
            json.dump({"sibyl": sibyl_docs, "peers": peer_docs}, f, indent=1)
    failures: list[str] = []
    env = sibyl_docs[-1]["env"]
    print(f"Sibyl {env.get('sibylVersion', '?')}: OpenBLAS core {env.get('openBLASCore', '?')}, element-wise kernels "
          f"{env.get('vectorInstructionSet', '?')}, products {env.get('productKernels', '?')}, OPENBLAS env {env.get('openBLASEnvironment') or 'unset'}; "
          f"medians of {args.rounds} alternating rounds"
          + (", the recurrent suite's case by case" if "recurrent" in args.suites else ""))
    if busiest is not None:
        print(f"other processes kept up to {busiest:.2f} CPUs busy during the peers' runs (their foreign_load); "
              "ratios from a busy machine are noise")
    if missing:
        print(f"no peer figures for: {', '.join(missing)} (their errors are above)")
        failures.append(f"peers failed: {', '.join(missing)}")
    if failed_cases:
        print(f"recurrent runs that failed (their errors are above): {', '.join(failed_cases)}")
        failures.append(f"{len(failed_cases)} recurrent runs failed")

    if "gemm" in args.suites and peer_docs["gemm"]:
        ours = median_by_key(sibyl_docs, ("suite", "shape", "threads"), "gflops")
        numpy_ = median_by_key(peer_docs["gemm"], ("backend", "shape", "threads"), "gflops")
        arch = next((p.get("architecture") for p in peer_docs["gemm"][-1]["env"].get("threadpools", [])
                     if isinstance(p, dict) and "numpy" in str(p.get("filepath"))), "?")
        print(f"\nSGEMM GFLOP/s (numpy's OpenBLAS core: {arch})")
        print("system: the OpenBLAS library Sibyl links, called through ctypes (the like-for-like column); shapes that take")
        print("a few microseconds carry the peers' Python call overhead (about 1 µs a call)")
        print(f"{'shape':32s} {'thr':>3s} {'sibyl':>8s} {'numpy':>8s} {'system':>8s} {'sibyl/numpy':>12s} {'sibyl/system':>13s}")
        unpaired: list[str] = []
        paired = 0
        for (suite, shape, threads), value in sorted(ours.items(), key=lambda kv: ordered((kv[0][2], kv[0][1]))):
            n = numpy_.get(("numpy", shape, threads))
            s = numpy_.get(("system", shape, threads))
            if n is None:
                unpaired.append(shape)
                continue
            print(f"{shape:32s} {threads:3d} {value:8.1f} {n:8.1f} {s or float('nan'):8.1f} {value / n:12.2f} "
                  f"{value / s if s else float('nan'):13.2f}")
            paired += 1
        if not paired:
            failures.append("no GEMM shape has figures on both sides (the peer's records do not match Sibyl's)")
        # Sibyl's own recurrent products (one thread), OpenBLAS's Aᵀ·B on the weight-gradient shapes,
        # and the register-only FMA peak they run against.
        kernels = median_by_key(sibyl_docs, ("suite", "kernel", "shape", "threads"), "gflops")
        others_ = sorted(set(unpaired) - {"fma_peak"} - {key[2] for key in kernels if key[1]})
        if others_:
            print(f"(Sibyl's shapes without a numpy figure, left out: {', '.join(map(str, others_))})")
        top = ours.get(("gemm", "fma_peak", 1))
        if top:
            print(f"\nThe recurrent products, 1 thread, GFLOP/s (FMA peak {top:.1f})")
            # By shape, so that OpenBLAS's line follows Sibyl's on the same shape.
            for (suite, kernel, shape, threads), value in sorted(kernels.items(),
                                                                 key=lambda kv: (str(kv[0][2]), str(kv[0][1]))):
                if kernel:
                    who = "OpenBLAS Aᵀ·B" if kernel == "openblas_tn" else "Sibyl"
                    print(f"{shape:32s} {who:14s} {value:8.1f} {100 * value / top:6.0f}% of peak")

    if "fft" in args.suites and peer_docs["fft"]:
        ours = median_by_key(sibyl_docs, ("suite", "n", "threads"), "ns_per_transform")
        ours_roll = median_by_key(sibyl_docs, ("suite", "n", "threads"), "rolling_windows_per_s")
        peers = median_by_key(peer_docs["fft"], ("backend", "dtype", "n", "threads"), "ns_per_transform")
        peers_roll = median_by_key(peer_docs["fft"], ("backend", "dtype", "n", "threads"), "rolling_windows_per_s")
        print("\nreal FFT, batched over rolling windows: ns per transform (lower is better)")
        print(f"{'n':>5s} {'thr':>3s} {'sibyl f32':>10s} {'pyFFTW f32':>11s} {'pyFFTW f64':>11s} {'FFTW f32':>9s} "
              f"{'numpy f32':>10s} {'vs best pyFFTW':>15s} {'rolling M win/s sibyl/FFTW f32':>32s}")
        paired_fft = 0
        for (suite, n, threads), value in sorted(ours.items(), key=lambda kv: ordered((kv[0][2], kv[0][1]))):
            p32 = peers.get(("pyfftw", "float32", n, threads))
            p64 = peers.get(("pyfftw", "float64", n, threads))
            s32 = peers.get(("system", "float32", n, threads))
            np32 = peers.get(("numpy", "float32", n, 1))
            if p32 is None and p64 is None:
                continue
            paired_fft += 1
            best = min(x for x in (p32, p64) if x is not None)
            roll = ours_roll.get((suite, n, threads), float("nan")) / 1e6
            roll_peer = peers_roll.get(("system", "float32", n, threads), float("nan")) / 1e6
            print(f"{n:5d} {threads:3d} {value:10.1f} {p32 or float('nan'):11.1f} {p64 or float('nan'):11.1f} "
                  f"{s32 or float('nan'):9.1f} {np32 or float('nan'):10.1f} {value / best:14.2f}x "
                  f"{roll:15.2f} / {roll_peer:.2f}")
        if not paired_fft:
            failures.append("no FFT size has figures on both sides (the peer's records do not match Sibyl's)")

    if "elementwise" in args.suites:
        ours = median_by_key(sibyl_docs, ("suite", "op", "threads"), "ns_per_element")
        peers = median_by_key(peer_docs["elementwise"], ("backend", "op", "threads"), "ns_per_element")
        backends = ("numpy", "scipy", "torch")
        print("\nelement-wise over 10^7 floats: ns per element (lower is better); numpy and scipy run on one thread;")
        print("numpy's sigmoid is 1/(1+exp(-x)) in four ufunc passes, scipy's is expit")
        print(f"{'op':34s} {'thr':>3s} {'sibyl':>8s} " + " ".join(f"{b:>8s}" for b in backends) + f" {'sibyl / best peer':>18s}")
        for (suite, op, threads), value in sorted(ours.items(), key=lambda kv: ordered((kv[0][2], kv[0][1]))):
            figures = [peers.get((b, op, threads)) for b in backends]
            known = [f for f in figures if f is not None]
            ratio = f"{value / min(known):8.2f}x the time" if known else f"{'':18s}"
            print(f"{op:34s} {threads:3d} {value:8.3f} " + " ".join(f"{f:8.3f}" if f else f"{'-':>8s}" for f in figures) + f" {ratio}")

    if "recurrent" in args.suites and recurrent_pairs:
        fields = RECURRENT_FIELDS
        print("\nLSTM/GRU sequences/s (higher is better); target: train >= 1.5x, LSTM infer >= 1.0x, GRU infer >= 2.0x")
        print("torch: as installed; torch+THP: THP_MEM_ALLOC_ENABLE=1; each side's median over the rounds, then the median")
        print("of the rounds' ratios (Sibyl / the peer run right after it) against each and against the faster of the two")
        print(f"{'case':44s} {'sibyl':>10s} {'torch':>10s} {'torch+THP':>10s} {'/torch':>7s} {'/+THP':>7s} {'/best':>7s}")
        for key, rounds in sorted(recurrent_pairs.items(), key=lambda kv: ordered((kv[0][7], kv[0][0], kv[0][3], kv[0][1]))):
            cell, mode, f, h, l, t, b, threads = key
            label = f"{cell} F{f} H{h} L{l} T{t} B{b} {mode} t={threads}"
            columns = [statistics.median(side) if side else float("nan")
                       for side in ([r[i] for r in rounds if r[i]] for i in range(3))]
            ratios = [pair_ratio(rounds, lambda r: r[1]), pair_ratio(rounds, lambda r: r[2]),
                      pair_ratio(rounds, lambda r: max((x for x in r[1:] if x), default=None))]
            print(f"{label:44s} " + " ".join(f"{v:10.0f}" for v in columns) + " "
                  + " ".join(f"{v:6.2f}x" for v in ratios))
            if math.isnan(ratios[0]):
                failures.append(f"no round of {label} has figures from both Sibyl and PyTorch")
        # The products' share of the machine: GFLOP/s by the peer script's estimate of the work,
        # against the register-only FMA peak (`sibyl bench --suites gemm`) when it was measured.
        gflops = median_by_key(sibyl_docs, fields, "gflops_est")
        peak = median_by_key(sibyl_docs, ("suite", "shape", "threads"), "gflops")
        tops = {key[2]: value for key, value in peak.items() if key[:2] == ("gemm", "fma_peak")}
        print()
        if tops:
            print("FMA peak (registers only): " + ", ".join(f"{v:.1f} GFLOP/s at {t} thread(s)" for t, v in sorted(tops.items())))
        print(f"{'case':44s} {'sibyl GFLOP/s':>14s} {'of FMA peak':>12s}")
        for key, value in sorted(gflops.items(), key=lambda kv: ordered((kv[0][7], kv[0][0], kv[0][3], kv[0][1]))):
            cell, mode, f, h, l, t, b, threads = key
            top = peak.get(("gemm", "fma_peak", threads))
            share = f"{100 * value / top:11.0f}%" if top else f"{'-':>12s}"
            print(f"{cell} F{f} H{h} L{l} T{t} B{b} {mode} t={threads}".ljust(44) + f" {value:14.1f} {share}")

    if "backtest" in args.suites and peer_docs["backtest"]:
        ours = median_by_key(sibyl_docs, ("suite", "mode"), "bars_per_s", suite="backtest")
        peers = median_by_key(peer_docs["backtest"], ("engine",), "bars_per_s")
        print("\nSMA(10)/SMA(30) crossover over 10^6 bars: bars/s (higher is better); target >= vectorbt, >= 100x backtesting.py")
        for (suite, mode), value in sorted(ours.items(), key=lambda kv: str(kv[0])):
            ratios = ", ".join(f"{value / v:.1f}x {engine}" for (engine,), v in sorted(peers.items()))
            print(f"  sibyl {mode:28s} {value:14,.0f}   ({ratios})")
        for (engine,), value in sorted(peers.items()):
            print(f"  {engine:34s} {value:14,.0f}")
        # The same work, not only the same speed: `sibyl backtest` on the peers' own random walk
        # against their plain-loop reference.
        agreement = run_json([args.python, os.path.join(here, "peers", "backtest_agreement.py"), "--peers", args.peers,
                              "--sibyl", args.sibyl], check=False)
        print("\nSame rules on the peers' random walk (fill at the crossing close, 0.1% a side): final equity, trades")
        if agreement is None:
            agreement = {"records": []}
            failures.append("the backtest agreement check did not run")
        for record in agreement["records"]:
            key, m = record["key"], record["metrics"]
            print(f"  {key['bars']:>9,} bars, {key['units']:10s} sibyl {m['sibyl_equity']:18,.6f} ({m['sibyl_trades']})"
                  f"  reference {m['reference_equity']:18,.6f} ({m['reference_trades']})  relative difference {m['equity_rel_diff']:.1e}"
                  f"  {'agrees' if m['agrees'] else 'DIFFERS'}")
        if not all(r["metrics"]["agrees"] for r in agreement["records"]):
            failures.append("the backtest results differ from the peer reference")

    for suite, metric, unit in (("csv", "rows_per_s", "rows/s"), ("features", "bars_per_s", "bars/s")):
        if suite not in args.suites or not peer_docs["data"]:
            continue
        ours = median_by_key(sibyl_docs, ("suite", "spec") if suite == "features" else ("suite",), metric, suite=suite)
        peers = median_by_key(peer_docs["data"], ("backend",), metric, suite=suite)
        print(f"\n{suite}: {unit} (higher is better)")
        for key, value in sorted(ours.items(), key=lambda kv: str(kv[0])):
            label = "sibyl" + (f" {key[1]}" if suite == "features" else " read + validate")
            print(f"  {label:40s} {value:14,.0f}")
        for (backend,), value in sorted(peers.items()):
            best_ours = max(ours.values())
            mine = ours.get(("features", "fft:64:8"), best_ours) if suite == "features" else best_ours
            print(f"  {backend:40s} {value:14,.0f}   sibyl/peer {mine / value:.2f}x")

    if failures:
        sys.exit("; ".join(failures))


if __name__ == "__main__":
    main()
