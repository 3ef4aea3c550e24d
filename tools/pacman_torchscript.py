#!/usr/bin/env python3
"""Carries the DJL PacMan agent over to TorchScript for DeepBase.

The same architecture written in PyTorch (conv1 16 + ReLU, conv2 32 + ReLU, conv3 32 + ReLU, global max pool,
fc1 64 + ReLU, out 4), weights taken from an .npz of the DJL checkpoint's parameters (written by
`deepbase bench --what inspect` or the fixture exporter: conv1.weight, conv1.bias, ...), exported
with deepbase_export so DeepBase sees the same layer names as the DJL model.

Usage: pacman_torchscript.py WEIGHTS.npz MODEL_DIR NAME [CHECKPOINT]
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deepbase_export  # noqa: E402

LAYERS = ["conv1", "conv2", "conv3", "pool", "fc1", "out"]


class GlobalMaxPool(nn.Module):
    def forward(self, x):
        return torch.amax(x, dim=(2, 3))


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(6, 16, 3, padding=1), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())
        self.pool = GlobalMaxPool()
        self.fc1 = nn.Sequential(nn.Linear(32, 64), nn.ReLU())
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        return self.out(self.fc1(self.pool(self.conv3(self.conv2(self.conv1(x))))))


def load(weights_file):
    weights = np.load(weights_file)
    agent = Agent()
    targets = {"conv1": agent.conv1[0], "conv2": agent.conv2[0], "conv3": agent.conv3[0],
               "fc1": agent.fc1[0], "out": agent.out}
    with torch.no_grad():
        for layer, module in targets.items():
            module.weight.copy_(torch.from_numpy(weights[layer + ".weight"]))
            module.bias.copy_(torch.from_numpy(weights[layer + ".bias"]))
    return agent.eval()


def main():
    weights, model_dir, name = sys.argv[1], sys.argv[2], sys.argv[3]
    checkpoint = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    path = deepbase_export.export(load(weights), torch.zeros(1, 6, 15, 19), model_dir, name=name,
                                  layers=LAYERS, checkpoint=checkpoint)
    print(path)


if __name__ == "__main__":
    main()
