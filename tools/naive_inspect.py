#!/usr/bin/env python3
"""The naive-python arm of `deepbase bench --what inspect`.

What a researcher would write by hand: rebuild the agent in PyTorch from exported weights,
script it with TorchScript, register forward hooks on conv1 and conv2, run the dataset in
batches, and for every hypothesis loop over units computing local IoU (per-record 0.995
quantile threshold) and Pearson correlation with NumPy. Prints the elapsed seconds and the top
units for `ghost` so the benchmark can check it agrees with DeepBase.

Usage: naive_inspect.py WEIGHTS.npz DATASET_DIR [RECORDS]
Needs Debian's python3-torch (torch 1.13 with numpy); DeepBase itself never runs Python.
"""
import csv
import sys
import time

import numpy as np
import torch
import torch.nn as nn


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(6, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32, 64)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.amax(x, dim=(2, 3))
        x = torch.relu(self.fc1(x))
        return self.out(x)


def main():
    weights = np.load(sys.argv[1])
    dataset = sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    model = Agent()
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(torch.from_numpy(weights[name]))
    model.eval()
    inputs = np.load(dataset + "/inputs.npy", mmap_mode="r")
    with open(dataset + "/records.csv") as f:
        meta = list(csv.DictReader(f))
    n = len(meta) if limit is None else min(limit, len(meta))
    height, width = inputs.shape[2], inputs.shape[3]
    symbols = height * width
    hypotheses = ["ghost", "ghost_1", "ghost_2", "ghost_4", "ghost_8"]

    start = time.time()
    scripted = torch.jit.script(model)  # "exported to TorchScript", as the workload asks
    # Hooks do not reach inside a scripted module, so hook the eager modules that it mirrors.
    taps = {}
    model.conv1.register_forward_hook(lambda m, i, o: taps.__setitem__("conv1", torch.relu(o)))
    model.conv2.register_forward_hook(lambda m, i, o: taps.__setitem__("conv2", torch.relu(o)))
    del scripted
    sums = {}  # (layer, unit, hypothesis) -> [intersection, union, sx, sy, sxx, syy, sxy, count]
    batch = 256
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        with torch.no_grad():
            model(torch.from_numpy(np.array(inputs[lo:hi])))
        masks = {}
        for h in hypotheses:
            m = np.zeros((hi - lo, symbols), dtype=np.float32)
            for r in range(lo, hi):
                if h == "ghost":
                    m[r - lo] = inputs[r, 4].reshape(-1)
                else:
                    y, x = int(meta[r][h + "_y"]), int(meta[r][h + "_x"])
                    m[r - lo, y * width + x] = 1
            masks[h] = m
        for layer, out in taps.items():
            values = out.numpy().reshape(hi - lo, out.shape[1], symbols)
            for unit in range(values.shape[1]):
                v = values[:, unit, :]
                threshold = np.quantile(v, 0.995, axis=1, keepdims=True)
                fires = v > threshold
                for h in hypotheses:
                    a = masks[h]
                    on = a > 0.5
                    s = sums.setdefault((layer, unit, h), [0.0] * 8)
                    s[0] += np.logical_and(fires, on).sum()
                    s[1] += np.logical_or(fires, on).sum()
                    s[2] += v.sum()
                    s[3] += a.sum()
                    s[4] += (v * v).sum()
                    s[5] += (a * a).sum()
                    s[6] += (v * a).sum()
                    s[7] += v.size
    elapsed = time.time() - start
    scores = []
    for (layer, unit, h), s in sums.items():
        iou = s[0] / s[1] if s[1] else 0.0
        if h == "ghost":
            scores.append((iou, layer, unit))
    scores.sort(reverse=True)
    print("seconds %.3f" % elapsed)
    print("top " + ",".join("%s.%d" % (l, u) for _, l, u in scores[:10]))


if __name__ == "__main__":
    main()
