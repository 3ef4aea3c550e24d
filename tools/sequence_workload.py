#!/usr/bin/env python3
"""The sequence workload of issue 17: a Transformer encoder and a GRU over bracket sequences with
per-token annotations.

Writes a DeepBase workspace (run with Debian's python3-torch):

    /usr/bin/python3 tools/sequence_workload.py --workspace seq-work --n 2000

- models/seq_transformer: a pre-norm Transformer encoder (4 blocks x 256 hidden, 4 heads, ReLU
  MLP of 1024, learned positions) over 128 one-hot tokens, seeded random initialisation; layers
  block0..block3, each [128, 256]: unit = hidden feature, symbol = token position.
- models/seq_gru: two stacked GRUs (gru0, gru1) of 256 units over the same inputs.
- datasets/tokens/tokens.npz: N seeded sequences over "()[]abcd" (brackets balanced and typed,
  letters between) with per-token annotations: depth (nesting depth after the token, numeric),
  open (1 at an opening bracket), letter (1 at a letter), token_class (0 open, 1 close,
  2 letter: a discrete class for probes).

``--mini`` writes the small version the Java tests use (2 blocks x 16 hidden, 2 heads, 16 tokens;
GRUs of 16). ``--references`` also computes, with PyTorch and NumPy only, what DeepBase must
answer: corr per model, layer, hypothesis and unit, and a NeuroX-style probe's balanced accuracy
per model and layer for token_class (see tools/probe_baseline.py).
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deepbase_export  # noqa: E402

VOCAB = "()[]abcd"
HYPOTHESES = ["depth", "open", "letter", "token_class"]


def generate(n, length, seed, max_depth=6):
    """Returns one-hot inputs [n, length, 8] and the per-token annotations [n, length]."""
    rng = np.random.default_rng(seed)
    inputs = np.zeros((n, length, len(VOCAB)), dtype=np.float32)
    ann = {h: np.zeros((n, length), dtype=np.float32) for h in HYPOTHESES}
    for r in range(n):
        stack = []
        for t in range(length):
            left = length - t
            choice = rng.random()
            if stack and (choice < 0.3 or len(stack) >= left):
                token = ")" if stack.pop() == "(" else "]"
            elif choice < 0.6 and len(stack) < min(max_depth, left - 1):
                token = "(" if rng.random() < 0.5 else "["
                stack.append(token)
            else:
                token = "abcd"[rng.integers(0, 4)]
            inputs[r, t, VOCAB.index(token)] = 1
            ann["depth"][r, t] = len(stack)
            ann["open"][r, t] = token in "(["
            ann["letter"][r, t] = token in "abcd"
            ann["token_class"][r, t] = 0 if token in "([" else 1 if token in ")]" else 2
    return inputs, ann


class Block(nn.Module):
    """A pre-norm Transformer encoder block, written out (no fused fast path to trace)."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, 4 * width)
        self.ff2 = nn.Linear(4 * width, width)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        split = lambda y: y.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        attention = torch.softmax(q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5, dim=-1)
        x = x + self.proj((attention @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.ff2(torch.relu(self.ff1(self.norm2(x))))


class SeqTransformer(nn.Module):
    def __init__(self, length, width, heads, blocks):
        super().__init__()
        self.embed = nn.Linear(len(VOCAB), width, bias=False)
        self.position = nn.Parameter(torch.randn(length, width) * 0.1)
        self.count = blocks
        for i in range(blocks):
            setattr(self, "block%d" % i, Block(width, heads))
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        h = self.embed(x) + self.position
        for i in range(self.count):
            h = getattr(self, "block%d" % i)(h)
        return self.head(h.mean(dim=1))


class SeqGru(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.gru0 = nn.GRU(len(VOCAB), width, batch_first=True)
        self.gru1 = nn.GRU(width, width, batch_first=True)
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        h, _ = self.gru0(x)
        h, _ = self.gru1(h)
        return self.head(h[:, -1])


def shapes(mini):
    """(length, width, heads, blocks)."""
    return (16, 16, 2, 2) if mini else (128, 256, 4, 4)


def build(mini, seed):
    """Returns {name: (module, layers)}, seeded."""
    length, width, heads, blocks = shapes(mini)
    torch.manual_seed(seed)
    transformer = SeqTransformer(length, width, heads, blocks).eval()
    torch.manual_seed(seed + 1)
    gru = SeqGru(width).eval()
    return {
        "seq_transformer": (transformer, ["block%d" % i for i in range(blocks)]),
        "seq_gru": (gru, ["gru0", "gru1"]),
    }


def write(workspace, n, seed, mini):
    length = shapes(mini)[0]
    inputs, ann = generate(n, length, seed)
    data_dir = os.path.join(workspace, "datasets", "tokens")
    os.makedirs(data_dir, exist_ok=True)
    np.savez(os.path.join(data_dir, "tokens.npz"), inputs=inputs, **ann)
    for name, (module, layers) in build(mini, seed).items():
        deepbase_export.export(module, torch.from_numpy(inputs[:2]),
                               os.path.join(workspace, "models", name), name=name, layers=layers)
    return inputs, ann


def activations(workspace, name, inputs, batch=64):
    """Returns {layer: [N, units, T]} from the exported TorchScript (what DeepBase runs)."""
    import glob
    path = sorted(glob.glob(os.path.join(workspace, "models", name, "*.pt")))[-1]
    scripted = torch.jit.load(path)
    out = {}
    with torch.no_grad():
        for start in range(0, len(inputs), batch):
            taps = scripted(torch.from_numpy(inputs[start:start + batch]))
            for layer, value in taps.items():
                if layer != "output":
                    out.setdefault(layer, []).append(value.transpose(1, 2).numpy())
    return {layer: np.concatenate(parts) for layer, parts in out.items()}


def corr(x, y):
    x = x.astype(np.float64).ravel()
    y = y.astype(np.float64).ravel()
    x = x - x.mean()
    y = y - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else 0.0


def references(workspace, inputs, ann, mini, seed):
    import probe_baseline
    ref = {}
    for name in build(mini, seed):
        acts = activations(workspace, name, inputs)
        for layer, values in acts.items():
            for h in HYPOTHESES:
                ref["corr/%s/%s/%s" % (name, layer, h)] = np.float32(
                    [corr(values[:, u], ann[h]) for u in range(values.shape[1])])
            features = values.transpose(0, 2, 1).reshape(-1, values.shape[1])
            ref["probe/%s/%s/token_class" % (name, layer)] = np.float32(
                [probe_baseline.cross_validated(features, ann["token_class"].ravel().astype(int))])
    return ref


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--mini", action="store_true", help="the small version the tests use")
    parser.add_argument("--references", help="also write PyTorch/NumPy references to this .npz")
    args = parser.parse_args()
    inputs, ann = write(args.workspace, args.n, args.seed, args.mini)
    if args.references:
        np.savez(args.references, **references(args.workspace, inputs, ann, args.mini, args.seed))
    print("wrote seq_transformer, seq_gru and datasets/tokens (%d sequences) under %s"
          % (args.n, args.workspace))


if __name__ == "__main__":
    main()
