#!/usr/bin/env python3
"""NetDissect-Lite-style dissection of a workspace made by tools/resnet_workload.py: the baseline
DeepBase's vision bench compares against (issue 17). Written as NetDissect-Lite does it:

1. forward hooks on the model's layers, every activation written to a NumPy memmap on disk
   ([N, C, h, w] float32 per layer, as NetDissect-Lite's feature_extraction);
2. a per-unit threshold: the (1 - 0.005) quantile of the unit's raw feature maps over the dataset;
3. per image and unit: the map upsampled to the mask resolution with PIL's bilinear resize (as
   NetDissect-Lite's tally), thresholded, and intersection / union counted per concept in loops;
4. IoU = sum of intersections / sum of unions over the dataset.

The model is rebuilt in Python with the same seed as the export (same weights), so the hooks see
what DeepBase sees. Prints the wall time, peak RSS and the memmaps' size; writes one CSV row per
(layer, unit, concept):

    /usr/bin/python3 tools/netdissect_baseline.py --workspace bench-work --out baseline.csv
"""
import argparse
import csv
import os
import resource
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnet_workload  # noqa: E402

QUANTILE = 0.995
BATCH = 32


def extract(model, inputs, directory):
    """Runs the model over the images with forward hooks; returns {layer: memmap [N, C, h, w]}."""
    maps = {}
    current = {}
    hooks = [getattr(model, layer).register_forward_hook(
        lambda module, inp, out, layer=layer: current.__setitem__(layer, out.detach().numpy()))
        for layer in resnet_workload.LAYERS]
    try:
        with torch.no_grad():
            for start in range(0, len(inputs), BATCH):
                model(resnet_workload.normalise(torch.from_numpy(inputs[start:start + BATCH])))
                for layer, out in current.items():
                    if layer not in maps:
                        maps[layer] = np.memmap(os.path.join(directory, layer + ".mmap"),
                                                dtype=np.float32, mode="w+",
                                                shape=(len(inputs),) + out.shape[1:])
                    maps[layer][start:start + len(out)] = out
    finally:
        for h in hooks:
            h.remove()
    for m in maps.values():
        m.flush()
    return maps


def thresholds(features):
    """The per-unit quantile of the raw maps (NetDissect-Lite: quantile over all images)."""
    units = features.shape[1]
    return np.array([np.quantile(np.asarray(features[:, u], dtype=np.float64), QUANTILE)
                     for u in range(units)])


def tally(features, threshold, masks, size):
    """Returns {concept: [units] IoU}, looping over images, units and concepts as NetDissect-Lite
    does."""
    units = features.shape[1]
    inter = {c: np.zeros(units) for c in masks}
    union = {c: np.zeros(units) for c in masks}
    on = {c: masks[c].reshape(len(features), -1).sum(axis=1) for c in masks}
    for i in range(len(features)):
        image_masks = {c: masks[c][i].astype(bool) for c in masks}
        for u in range(units):
            feature_map = np.asarray(features[i, u], dtype=np.float32)
            if feature_map.max() > threshold[u]:
                up = np.array(Image.fromarray(feature_map).resize((size, size),
                                                                  resample=Image.BILINEAR))
                fire = up > threshold[u]
                fired = fire.sum()
                for c, m in image_masks.items():
                    both = np.logical_and(fire, m).sum()
                    inter[c][u] += both
                    union[c][u] += fired + on[c][i] - both
            else:
                for c in masks:
                    union[c][u] += on[c][i]
    return {c: np.where(union[c] > 0, inter[c] / np.maximum(union[c], 1), 0.0) for c in masks}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--seed", type=int, default=17, help="the seed the workspace was made with")
    parser.add_argument("--out", required=True, help="CSV: layer, unit, concept, iou")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    cpu_started = time.process_time()
    mini = os.path.isdir(os.path.join(args.workspace, "models", "mini_resnet"))
    model = resnet_workload.build(mini, args.seed)
    data = np.load(os.path.join(args.workspace, "datasets", "concepts", "concepts.npz"))
    concepts = [c for c in data.files if c != "inputs"]
    masks = {c: data[c] for c in concepts}
    size = masks[concepts[0]].shape[1]
    with tempfile.TemporaryDirectory(prefix="netdissect-") as scratch:
        features = extract(model, data["inputs"], scratch)
        extracted = time.time()
        disk = sum(os.path.getsize(os.path.join(scratch, f)) for f in os.listdir(scratch))
        with open(args.out, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["layer", "unit", "concept", "iou"])
            for layer in resnet_workload.LAYERS:
                scores = tally(features[layer], thresholds(features[layer]), masks, size)
                for u in range(features[layer].shape[1]):
                    for c in concepts:
                        out.writerow([layer, u, c, repr(float(scores[c][u]))])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("netdissect-lite-style: %d images, extract %.1f s, total %.1f s, cpu %.1f s, "
          "peak RSS %.0f MB, activation memmaps %.1f MB on disk"
          % (len(data["inputs"]), extracted - started, time.time() - started,
             time.process_time() - cpu_started, peak, disk / 2**20))


if __name__ == "__main__":
    main()
