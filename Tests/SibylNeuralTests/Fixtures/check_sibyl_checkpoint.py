#!/usr/bin/env python3
"""Loads a checkpoint written by Sibyl into torch.nn.LSTM/GRU and nn.Linear with strict=True and
prints the largest difference between PyTorch's predictions and Sibyl's.

    check_sibyl_checkpoint.py CHECKPOINT CASE.json

CASE.json holds {"x": {"shape": [T, B, F], "data": [...]}, "prediction": {"shape": [B, O], ...}},
Sibyl's inputs (time-major) and predictions. Prints one JSON object: {"max_abs_diff": float}.
"""
import json
import sys

import torch
from safetensors.torch import load_file


def main() -> None:
    checkpoint, case_path = sys.argv[1], sys.argv[2]
    state = load_file(checkpoint)
    with open(case_path) as f:
        case = json.load(f)
    hidden = state["weight_hh_l0"].shape[1]
    gates = state["weight_hh_l0"].shape[0] // hidden
    layers = sum(1 for k in state if k.startswith("weight_ih_l"))
    inputs = state["weight_ih_l0"].shape[1]
    rnn_type = torch.nn.LSTM if gates == 4 else torch.nn.GRU
    rnn = rnn_type(inputs, hidden, num_layers=layers)
    head = torch.nn.Linear(hidden, state["head.weight"].shape[0])
    rnn.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")}, strict=True)
    head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]}, strict=True)
    x = torch.tensor(case["x"]["data"], dtype=torch.float32).reshape(case["x"]["shape"])
    with torch.no_grad():
        out, _ = rnn(x)
        prediction = head(out[-1])
    expected = torch.tensor(case["prediction"]["data"], dtype=torch.float32).reshape(case["prediction"]["shape"])
    print(json.dumps({"max_abs_diff": float((prediction - expected).abs().max())}))


if __name__ == "__main__":
    main()
