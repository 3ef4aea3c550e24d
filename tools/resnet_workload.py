#!/usr/bin/env python3
"""The vision workload of issue 17: a ResNet over synthetic images with pixel-level concept masks.

Writes a DeepBase workspace (run with Debian's python3-torch and python3-torchvision):

    /usr/bin/python3 tools/resnet_workload.py --workspace bench-work --n 2000

- models/resnet18: torchvision's ResNet-18 architecture, seeded random initialisation (no
  download: no pretrained weights exist offline), exported with tools/deepbase_export.py; layers
  layer1..layer4 (64 + 128 + 256 + 512 = 960 units at 56/28/14/7 px for 224 px inputs), ImageNet's
  normalisation as the model's "preprocess" (inputs are bytes).
- datasets/concepts/concepts.npz: N seeded images (tools/concept_images.py) and 12 concept masks at
  half the input resolution (112 x 112 for 224 px).

``--mini`` writes the small version the Java tests use: the same block structure (torchvision's
BasicBlock, four stages, stride 2 between them) 8/16/16/16 channels wide, on 48 px images with
24 x 24 masks, so that every stage is resized to the masks (12/6/3/2 px).

``references(workspace)`` computes, with PyTorch and NumPy only, what DeepBase must answer on a
workspace: per layer, concept and unit, NetDissect IoU at q = 0.995 in both resolution conventions
and corr (see docs/measures.md, "Resolution conventions").
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import concept_images  # noqa: E402
import deepbase_export  # noqa: E402

LAYERS = ["layer1", "layer2", "layer3", "layer4"]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
PREPROCESS = {"scale": 1.0 / 255, "mean": MEAN, "std": STD}
QUANTILE = 0.995


class MiniResNet(nn.Module):
    """ResNet-18's structure (stem, four stages of BasicBlocks, pooling, classifier), narrow."""

    def __init__(self, widths=(8, 16, 16, 16), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        stages = []
        channels = widths[0]
        for i, width in enumerate(widths):
            stride = 1 if i == 0 else 2
            downsample = None
            if stride != 1 or channels != width:
                downsample = nn.Sequential(
                    nn.Conv2d(channels, width, 1, stride=stride, bias=False), nn.BatchNorm2d(width))
            stages.append(nn.Sequential(BasicBlock(channels, width, stride, downsample)))
            channels = width
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomise_batch_norm(model, seed):
    """Gives every BatchNorm seeded running statistics and affine weights, as a trained network
    has: with torchvision's defaults (mean 0, var 1, weight 1, bias 0) eval mode is an identity
    and half of every unit's values are exact zeros after the ReLU."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)


def build(mini, seed):
    torch.manual_seed(seed)
    model = MiniResNet() if mini else torchvision.models.resnet18(weights=None)
    randomise_batch_norm(model, seed)
    return model.eval()


def write(workspace, n, seed, mini):
    size, mask = (48, 24) if mini else (224, 112)
    inputs, masks = concept_images.generate(n, seed, size, mask)
    data_dir = os.path.join(workspace, "datasets", "concepts")
    os.makedirs(data_dir, exist_ok=True)
    np.savez(os.path.join(data_dir, "concepts.npz"), inputs=inputs, **masks)
    name = "mini_resnet" if mini else "resnet18"
    model = build(mini, seed)
    example = normalise(torch.from_numpy(inputs[:1]))
    deepbase_export.export(model, example, os.path.join(workspace, "models", name), name=name,
                           layers=LAYERS, checkpoint=0, preprocess=PREPROCESS)
    # the export traced on a normalised float input; DeepBase feeds what preprocess makes of bytes
    return name


def normalise(images):
    """What DeepBase's preprocess does to a batch of byte images."""
    x = images.float() * (1.0 / 255)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def activations(model_path, inputs, batch=64):
    """Yields {layer: [B, C, h, w] float32 numpy} per batch of byte images."""
    scripted = torch.jit.load(model_path)
    with torch.no_grad():
        for start in range(0, len(inputs), batch):
            outs = scripted(normalise(torch.from_numpy(inputs[start:start + batch])))
            yield {layer: outs[layer].numpy() for layer in LAYERS}


def upsample(maps, size):
    """Bilinear, half-pixel centres: torch's interpolate(align_corners=False)."""
    return F.interpolate(torch.from_numpy(maps), size=(size, size), mode="bilinear",
                         align_corners=False).numpy()


def iou(fire, mask):
    inter = np.logical_and(fire, mask).sum()
    union = np.logical_or(fire, mask).sum()
    return inter / union if union else 0.0


def corr(x, y):
    x = x.astype(np.float64) - x.mean()
    y = y.astype(np.float64) - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d else 0.0


def tied(values, t):
    """Whether a threshold falls among values so close that another build of libtorch (DJL's is
    not Debian's) may order them differently: then which of them fire is not determined by the
    model, and scores may differ by a few cells. Exact zeros (ReLU) are exact in every build."""
    s = np.sort(values.ravel())
    lo = int(np.floor(QUANTILE * (len(s) - 1)))
    near = s[max(lo - 1, 0):lo + 3]
    return t != 0 and bool(np.any(np.diff(near) <= 1e-5 * max(abs(t), 1e-3)))


def references(workspace):
    """Returns {"<layer>/<concept>/<iou|iou_raw|corr>": [units] float64} and
    {"tied/<layer>/<iou|iou_raw>": [units] 0/1} (see tied), computed in memory (small workspaces
    only: every activation is kept)."""
    name = "mini_resnet" if os.path.isdir(os.path.join(workspace, "models", "mini_resnet")) else "resnet18"
    data = np.load(os.path.join(workspace, "datasets", "concepts", "concepts.npz"))
    inputs = data["inputs"]
    concepts = [c for c in data.files if c != "inputs"]
    size = data[concepts[0]].shape[1]
    raw = {layer: [] for layer in LAYERS}
    for outs in activations(os.path.join(workspace, "models", name, name + "-0000.pt"), inputs):
        for layer in LAYERS:
            raw[layer].append(outs[layer])
    out = {}
    for layer in LAYERS:
        values = np.concatenate(raw[layer]).astype(np.float32)  # [N, C, h, w]
        # Compared in float64: a float32 array against a float64 threshold would round the
        # threshold to float32 (NumPy's scalar casting) and flip values one ulp from it.
        up = upsample(values, size).astype(np.float64)  # [N, C, size, size]
        values = values.astype(np.float64)
        for measure in ("iou", "iou_raw"):
            source = up if measure == "iou" else values
            out["tied/%s/%s" % (layer, measure)] = np.array(
                [tied(source[:, u], np.quantile(source[:, u], QUANTILE))
                 for u in range(values.shape[1])], dtype=np.float64)
        for c in concepts:
            m = data[c].astype(bool)
            scores = {"iou": [], "iou_raw": [], "corr": []}
            for u in range(values.shape[1]):
                t_up = np.quantile(up[:, u], QUANTILE)
                t_raw = np.quantile(values[:, u], QUANTILE)
                scores["iou"].append(iou(up[:, u] > t_up, m))
                scores["iou_raw"].append(iou(up[:, u] > t_raw, m))
                scores["corr"].append(corr(up[:, u], m))
            for measure, s in scores.items():
                out["%s/%s/%s" % (layer, c, measure)] = np.array(s, dtype=np.float64)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--mini", action="store_true", help="the small version the tests use")
    parser.add_argument("--references", help="also write NumPy references to this .npz")
    args = parser.parse_args()
    name = write(args.workspace, args.n, args.seed, args.mini)
    print("wrote %s and datasets/concepts (%d images) under %s" % (name, args.n, args.workspace))
    if args.references:
        np.savez(args.references, **references(args.workspace))
        print("wrote references to", args.references)


if __name__ == "__main__":
    main()
