#!/usr/bin/env python3
"""How much of an exact inspection's spill a sparse spill would keep (a development aid).

Per unit, the cells at or above the floor proven from the batches before (the value with (1 - q)
of the dataset's values seen at or above it), dilated by one cell (every bilinear block touching
such a cell); a unit with no positive floor yet is kept whole. ResNet-18 workload of
tools/resnet_workload.py; see docs/design-notes.md (issue 17, session 11).

    /usr/bin/python3 tools/spill_sparsity.py <workspace>
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnet_workload as rw  # noqa: E402
torch.set_num_threads(2)
model = rw.build(False, 17)
data = np.load(os.path.join(sys.argv[1], 'datasets', 'concepts', 'concepts.npz'))
inputs = data['inputs']
N = len(inputs); B = 32; Q = 0.995
current = {}
hooks = [getattr(model, l).register_forward_hook(lambda m, i, o, l=l: current.__setitem__(l, o.detach().numpy())) for l in rw.LAYERS]
top = {}   # layer -> per unit sorted top-k values seen (k = needed)
kept = {l: 0 for l in rw.LAYERS}; total = {l: 0 for l in rw.LAYERS}; above = {l: 0 for l in rw.LAYERS}
with torch.no_grad():
    for s in range(0, N, B):
        model(rw.normalise(torch.from_numpy(inputs[s:s + B])))
        for l, out in current.items():
            n, c, h, w = out.shape
            need = int(N * h * w - np.floor(Q * (N * h * w - 1)))
            if l in top:
                floor = top[l][:, 0] if top[l].shape[1] >= need else np.full(c, -np.inf)
            else:
                floor = np.full(c, -np.inf)
            f = floor[None, :, None, None]
            hit = out >= f
            # dilate by one cell in each direction (3x3)
            p = np.pad(hit, ((0, 0), (0, 0), (1, 1), (1, 1)))
            d = np.zeros_like(hit)
            for dy in range(3):
                for dx in range(3):
                    d |= p[:, :, dy:dy + h, dx:dx + w]
            d |= ~(f > 0)  # units without a positive floor stay dense
            kept[l] += d.sum(); total[l] += d.size; above[l] += hit.sum()
            vals = out.transpose(1, 0, 2, 3).reshape(c, -1)
            merged = vals if l not in top else np.concatenate([top[l], vals], axis=1)
            k = min(need, merged.shape[1])
            top[l] = np.sort(np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:], axis=1)
for l in rw.LAYERS:
    print(l, 'kept %.1f%% (at/above floor %.1f%%)' % (100 * kept[l] / total[l], 100 * above[l] / total[l]))
K = sum(kept[l] * 1.0 for l in rw.LAYERS); T = sum(total[l] * 1.0 for l in rw.LAYERS)
print('all layers: kept %.1f%% of %.2f GB' % (100 * K / T, T * 4 / 1e9))
