#!/usr/bin/env python3
"""The naive-python arm of `deepbase bench --what inspect`.

What a researcher would write by hand: load the agent's TorchScript file (the one DeepBase can
inspect too: tools/pacman_torchscript.py made it from the DJL checkpoint's weights; its forward
returns the layer outputs that export-time hooks captured), run the dataset in batches, and for
every hypothesis loop over units computing local IoU (per-record 0.995 quantile threshold) and
Pearson correlation with NumPy. Prints the elapsed seconds and the top units for `ghost` so the
benchmark can check it agrees with DeepBase.

Usage: naive_inspect.py AGENT.pt DATASET_DIR [RECORDS]
Needs Debian's python3-torch (torch 1.13 with numpy); DeepBase itself never runs Python.
"""
import csv
import sys
import time

import numpy as np
import torch


def main():
    model = torch.jit.load(sys.argv[1]).eval()
    dataset = sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    inputs = np.load(dataset + "/inputs.npy", mmap_mode="r")
    with open(dataset + "/records.csv") as f:
        meta = list(csv.DictReader(f))
    n = len(meta) if limit is None else min(limit, len(meta))
    height, width = inputs.shape[2], inputs.shape[3]
    symbols = height * width
    hypotheses = ["ghost", "ghost_1", "ghost_2", "ghost_4", "ghost_8"]

    start = time.time()
    sums = {}  # (layer, unit, hypothesis) -> [intersection, union, sx, sy, sxx, syy, sxy, count]
    batch = 256
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        with torch.no_grad():
            outputs = model(torch.from_numpy(np.array(inputs[lo:hi])))
        taps = {"conv1": outputs["conv1"], "conv2": outputs["conv2"]}
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
