#!/usr/bin/env python3
"""Writes optimizer_fixture.json: torch.optim's Adam, AdamW and SGD (momentum) stepped over fixed
gradients, for Sibyl's optimizers to be compared with element by element.

    pip install torch==2.13.0+cpu --index-url https://download.pytorch.org/whl/cpu
    python3 Tests/SibylNeuralTests/Fixtures/make_optimizer_fixture.py

One float32 parameter of 32 values and 30 steps of gradients (seeded, spread over six orders of
magnitude, with zeros), for each case: {"optimizer", "settings", "start", "gradients",
"parameters" (after each step)}, every float32 written with 9 significant digits (exact on reading
back). torch on CPU runs its single-tensor implementations.
"""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ("adam", {"lr": 1e-3}),
    ("adam", {"lr": 3e-2, "weight_decay": 0.01}),
    ("adamw", {"lr": 1e-3, "weight_decay": 0.01}),
    ("adamw", {"lr": 5e-3, "weight_decay": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-3}),
]


def floats(values) -> list:
    return ["#" + format(float(v), ".9g") + "#" for v in np.asarray(values, dtype=np.float32)]


def main() -> None:
    rng = np.random.default_rng(7)
    start = rng.normal(0, 0.5, 32).astype(np.float32)
    gradients = (rng.normal(0, 1, (30, 32)) * 10.0 ** rng.integers(-5, 1, (30, 32))).astype(np.float32)
    gradients[rng.random((30, 32)) < 0.05] = 0
    cases = []
    for name, settings in CASES:
        p = torch.nn.Parameter(torch.tensor(start))
        optimizer = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name]([p], **settings)
        trajectory = []
        for g in gradients:
            p.grad = torch.tensor(g)
            optimizer.step()
            trajectory.append(floats(p.detach().numpy()))
        cases.append({"optimizer": name, "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
                      "parameters": trajectory})
    fixture = {"torch": torch.__version__, "start": floats(start), "gradients": [floats(g) for g in gradients], "cases": cases}
    text = json.dumps(fixture)
    # Numbers were kept as strings of 9 significant digits: unquote them.
    text = text.replace('"#', "").replace('#"', "")
    with open(os.path.join(HERE, "optimizer_fixture.json"), "w") as f:
        f.write(text + "\n")
    print(f"{len(cases)} cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
