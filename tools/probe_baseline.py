#!/usr/bin/env python3
"""A probing classifier in the style of NeuroX (Dalvi et al. 2019): the baseline DeepBase's
per-layer probe_accuracy is compared against (issue 17).

As NeuroX's linear_probe does it: activations extracted for every token, a torch ``nn.Linear``
logistic-regression probe trained with Adam on minibatches under cross-entropy plus an
elastic-net penalty, evaluated on held-out tokens. Two choices follow DeepBase's definition so that
the numbers are comparable: features are standardised, and the score is the **balanced** accuracy
(mean per-class recall) over 5 seeded cross-validation folds, with classes weighted by inverse
frequency in the loss.

    /usr/bin/python3 tools/probe_baseline.py --workspace seq-work --model seq_transformer \
        --hypothesis token_class
"""
import argparse
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

FOLDS = 5
EPOCHS = 10
MIN_STEPS = 2000  # small datasets get more epochs: ten epochs of a few batches do not converge
BATCH = 256
LEARNING_RATE = 0.01
L1 = 1e-5
L2 = 1e-4


def train(x, y, classes, seed):
    torch.manual_seed(seed)
    probe = nn.Linear(x.shape[1], classes)
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weights = torch.tensor(len(y) / (classes * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    optimizer = torch.optim.Adam(probe.parameters(), lr=LEARNING_RATE)
    xs = torch.from_numpy(x)
    ys = torch.from_numpy(y)
    generator = torch.Generator().manual_seed(seed)
    batches = -(-len(y) // BATCH)
    for _ in range(max(EPOCHS, -(-MIN_STEPS // batches))):
        order = torch.randperm(len(ys), generator=generator)
        for start in range(0, len(ys), BATCH):
            pick = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(probe(xs[pick]), ys[pick])
            loss = loss + L1 * probe.weight.abs().sum() + L2 * (probe.weight ** 2).sum()
            loss.backward()
            optimizer.step()
    return probe


def balanced_accuracy(predicted, y, classes):
    recalls = [(predicted[y == c] == c).mean() for c in range(classes) if (y == c).any()]
    return float(np.mean(recalls))


def cross_validated(features, y, seed=42):
    """Balanced accuracy of the probe over FOLDS seeded folds (features [samples, units])."""
    x = features.astype(np.float32)
    x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-12)
    classes = int(y.max()) + 1
    fold = np.random.default_rng(seed).integers(0, FOLDS, size=len(y))
    correct = np.zeros(len(y), dtype=np.int64)
    for f in range(FOLDS):
        held = fold == f
        probe = train(x[~held], y[~held], classes, seed + f)
        with torch.no_grad():
            correct[held] = probe(torch.from_numpy(x[held])).argmax(dim=1).numpy()
    return balanced_accuracy(correct, y, classes)


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import sequence_workload

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", default="seq_transformer")
    parser.add_argument("--hypothesis", default="depth,open,letter,token_class",
                        help="comma-separated discrete hypotheses to probe")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    cpu_started = time.process_time()
    data = np.load(os.path.join(args.workspace, "datasets", "tokens", "tokens.npz"))
    acts = sequence_workload.activations(args.workspace, args.model, data["inputs"])
    extracted = time.time()
    hypotheses = args.hypothesis.split(",")
    for layer, values in acts.items():
        features = values.transpose(0, 2, 1).reshape(-1, values.shape[1])
        for h in hypotheses:
            y = data[h].ravel().astype(np.int64)
            print("layer %s hypothesis %s probe_accuracy %.4f"
                  % (layer, h, cross_validated(features, y)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("neurox-style: %d sequences, %d hypotheses, extract %.1f s, total %.1f s, cpu %.1f s, "
          "peak RSS %.0f MB"
          % (len(data["inputs"]), len(hypotheses), extracted - started, time.time() - started,
             time.process_time() - cpu_started, peak))


if __name__ == "__main__":
    main()
