#!/usr/bin/env python3
"""Export a PyTorch model for DeepBase: TorchScript that returns its layers' outputs by name.

DeepBase runs TorchScript through libtorch (DJL) and cannot hook a scripted module's internals,
so the exported module's forward returns a ``Dict[str, Tensor]``: one entry per chosen submodule
(its output, captured with a forward hook while tracing) plus ``"output"`` (the model's own
output). This file also writes the ``model.json`` descriptor DeepBase reads.

Use from Python::

    import deepbase_export
    deepbase_export.export(model, example_input, "workspace/models/mynet",
                           name="mynet", layers=["conv1", "layer2.0.conv2"], checkpoint=0)

or list the leaf submodules a model has::

    deepbase_export.leaf_layers(model)

Notes:
- ``layers=None`` exports every leaf submodule (modules without children).
- A submodule returning a tuple (e.g. ``nn.LSTM``) contributes its first element.
- Outputs are cloned when captured, so a later in-place op (``ReLU(inplace=True)``) does not
  change what DeepBase sees.
- Tracing records the operations the example input takes: data-dependent control flow is frozen
  (the usual ``torch.jit.trace`` caveat). The model is put in ``eval()`` mode first.
- Per-record output shapes decide what a unit is: ``[C, H, W]`` conv (unit = channel),
  ``[T, D]`` sequence (unit = feature, symbols = time steps), ``[D]`` dense. A ``[C, L]``
  output of ``nn.Conv1d`` is channels-first: it is written with ``kind: conv1d`` so DeepBase does
  not read it as ``[T, D]``.
"""
import json
import os
import sys
from typing import Dict, List, Optional

import torch
import torch.nn as nn

OUTPUT = "output"


class LayerOutputs(nn.Module):
    """Wraps a module so that its forward returns the chosen submodules' outputs by name."""

    def __init__(self, model: nn.Module, layers: List[str]):
        super().__init__()
        self.model = model
        self.layers = list(layers)

    def forward(self, x):
        taps = {}
        modules = dict(self.model.named_modules())
        handles = []
        for name in self.layers:
            handles.append(modules[name].register_forward_hook(
                lambda module, inputs, output, name=name: taps.__setitem__(name, _first(output).clone())))
        try:
            out = self.model(x)
        finally:
            for handle in handles:
                handle.remove()
        taps[OUTPUT] = _first(out)
        return taps


def _first(value):
    return value[0] if isinstance(value, (tuple, list)) else value


def leaf_layers(model: nn.Module) -> List[str]:
    """Returns the names of the submodules without children, in registration order."""
    return [name for name, module in model.named_modules()
            if name and not any(True for _ in module.children())]


def export(model: nn.Module, example: torch.Tensor, directory: str, name: str,
           layers: Optional[List[str]] = None, checkpoint: int = 0,
           preprocess: Optional[Dict] = None) -> str:
    """Traces ``model`` on ``example`` (one batch, e.g. shape [1, C, H, W]) and writes
    ``<directory>/<name>-NNNN.pt`` plus ``<directory>/model.json``. Returns the .pt path."""
    modules = dict(model.named_modules())
    layers = leaf_layers(model) if layers is None else list(layers)
    unknown = [layer for layer in layers if layer not in modules or layer == ""]
    if unknown:
        raise ValueError("no submodule named %s; submodules: %s" % (unknown, [n for n in modules if n]))
    model.eval()
    wrapped = LayerOutputs(model, layers)
    with torch.no_grad():
        traced = torch.jit.trace(wrapped, example, strict=False)
        shapes = {k: list(v.shape[1:]) for k, v in traced(example).items()}
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "%s-%04d.pt" % (name, checkpoint))
    traced.save(path)
    descriptor = {
        "name": name,
        "format": "torchscript",
        "input_shape": list(example.shape[1:]),
        "input_dtype": _dtype(example.dtype),
        "layers": [_layer(layer, modules[layer], shapes[layer]) for layer in layers],
    }
    if preprocess:
        descriptor["preprocess"] = preprocess
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(descriptor, f, indent=2)
        f.write("\n")
    return path


def _layer(name, module, shape):
    layer = {"name": name}
    if isinstance(module, nn.Conv1d) or (len(shape) == 2 and isinstance(module, (nn.MaxPool1d, nn.AvgPool1d, nn.BatchNorm1d))):
        layer["kind"] = "conv1d"
    return layer


def _dtype(dtype):
    return {torch.float32: "float32", torch.int64: "int64"}.get(dtype) or _fail_dtype(dtype)


def _fail_dtype(dtype):
    raise ValueError("DeepBase feeds float32 or int64 inputs, not %s" % dtype)


if __name__ == "__main__":
    sys.exit("import this file from Python: see its docstring")
