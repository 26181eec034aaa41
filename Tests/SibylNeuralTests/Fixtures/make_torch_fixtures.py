#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures the Swift tests compare Sibyl's recurrent layers with.

    pip install 'torch==2.13.0+cpu'   # the CPU build; or any torch 2.x
    python3 Tests/SibylNeuralTests/Fixtures/make_torch_fixtures.py

For LSTM and GRU, 2 layers, F=3 inputs, H=5 hidden, T=7 steps, B=4 sequences, in float64 so that
the fixtures carry no float32 rounding of their own:

- `weights`: every parameter of torch.nn.LSTM/GRU (state-dict names) and of a Linear(H, 1) head;
- `x` (T, B, F) time-major, `h0` (L, B, H) and, for LSTM, `c0`;
- `output` (T, B, H) of the top layer, `h_n` and `c_n` (L, B, H), the head's prediction (B, 1);
- model case: the gradients of MSE(head(output[-1]), y) with respect to every parameter, with zero
  initial states (as Sibyl's model runs);
- layer case: the gradients of Σ output·R + Σ h_n·Rh (+ Σ c_n·Rc) with respect to every recurrent
  parameter, x, h0 and c0, for random R, Rh, Rc, with the random initial states.

Each tensor is stored as {"shape": [...], "data": [...]} (row-major).

It also writes `torch_lstm.safetensors` and `torch_gru.safetensors`: the same weights in float32 as
PyTorch's safetensors writer stores a state dict (the recurrent layer's keys, then `head.weight`
and `head.bias`), for the test that loads a PyTorch checkpoint into Sibyl.
"""
import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
F, H, T, B, L = 3, 5, 7, 4, 2


def tensor(t: torch.Tensor) -> dict:
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def make(cell: str) -> dict:
    torch.manual_seed(1234 if cell == "lstm" else 4321)
    rnn_type = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = rnn_type(F, H, num_layers=L).double()  # time-major (T, B, F)
    head = torch.nn.Linear(H, 1).double()
    x = torch.randn(T, B, F, dtype=torch.float64)
    h0 = torch.randn(L, B, H, dtype=torch.float64)
    c0 = torch.randn(L, B, H, dtype=torch.float64)
    y = torch.randn(B, 1, dtype=torch.float64)
    fixture = {"cell": cell, "F": F, "H": H, "T": T, "B": B, "L": L,
               "weights": {k: tensor(v) for k, v in rnn.state_dict().items()},
               "head": {"head.weight": tensor(head.weight), "head.bias": tensor(head.bias)},
               "x": tensor(x), "h0": tensor(h0), "y": tensor(y)}
    if cell == "lstm":
        fixture["c0"] = tensor(c0)

    # Model case: zero initial states, MSE on the head over the last step.
    out, _ = rnn(x)
    prediction = head(out[-1])
    loss = torch.nn.functional.mse_loss(prediction, y)
    params = list(rnn.named_parameters()) + [("head.weight", head.weight), ("head.bias", head.bias)]
    grads = torch.autograd.grad(loss, [p for _, p in params])
    fixture["model"] = {"prediction": tensor(prediction), "loss": float(loss.detach()),
                        "output": tensor(out),
                        "gradients": {name: tensor(g) for (name, _), g in zip(params, grads)}}

    # Layer case: random initial states and random upstream gradients on every output and final state.
    xg = x.clone().requires_grad_(True)
    h0g = h0.clone().requires_grad_(True)
    c0g = c0.clone().requires_grad_(True)
    if cell == "lstm":
        out, (hn, cn) = rnn(xg, (h0g, c0g))
    else:
        out, hn = rnn(xg, h0g)
    r = torch.randn_like(out)
    rh = torch.randn_like(hn)
    objective = (out * r).sum() + (hn * rh).sum()
    inputs = [p for _, p in rnn.named_parameters()] + [xg, h0g]
    names = [n for n, _ in rnn.named_parameters()] + ["x", "h0"]
    layer = {"output": tensor(out), "h_n": tensor(hn), "R": tensor(r), "Rh": tensor(rh)}
    if cell == "lstm":
        rc = torch.randn_like(cn)
        objective = objective + (cn * rc).sum()
        inputs.append(c0g)
        names.append("c0")
        layer["c_n"] = tensor(cn)
        layer["Rc"] = tensor(rc)
    grads = torch.autograd.grad(objective, inputs)
    layer["gradients"] = {n: tensor(g) for n, g in zip(names, grads)}
    fixture["layer"] = layer

    state = {k: v.float().contiguous() for k, v in rnn.state_dict().items()}
    state["head.weight"] = head.weight.detach().float().contiguous()
    state["head.bias"] = head.bias.detach().float().contiguous()
    save_file(state, os.path.join(HERE, f"torch_{cell}.safetensors"), metadata={"format": "pt"})
    return fixture


def main() -> None:
    for cell in ("lstm", "gru"):
        path = os.path.join(HERE, f"{cell}.json")
        with open(path, "w") as f:
            json.dump(make(cell), f)
        print(f"wrote {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
