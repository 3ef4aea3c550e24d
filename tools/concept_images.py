#!/usr/bin/env python3
"""Seeded synthetic images with pixel-level concept masks, for NetDissect-style workloads (issue 17).

Each image (3 x SIZE x SIZE, uint8: a quarter of the bytes of float32, and what an image dataset
holds; a model reads it with a "preprocess" scale of 1/255) has a grey, noisy background and one to three
objects; every object has a shape, a colour and a texture. The concept masks mark, at MASK x MASK
resolution (nearest cell), where each concept is visible:

  shapes:     circle, square, triangle, bar
  colours:    red, green, blue, yellow
  textures:   plain, stripes, checker
  background: background

Written as a DeepBase dataset .npz: `inputs` [N, 3, SIZE, SIZE] plus one uint8 array per concept
[N, MASK, MASK] (DeepBase reads every array but `inputs` as an annotation). Same seed, same bytes.

    /usr/bin/python3 tools/concept_images.py --n 2000 --seed 17 --out workspace/datasets/concepts/concepts.npz
"""
import argparse

import numpy as np

SHAPES = ["circle", "square", "triangle", "bar"]
COLOURS = {
    "red": (0.85, 0.1, 0.1),
    "green": (0.1, 0.75, 0.2),
    "blue": (0.15, 0.25, 0.9),
    "yellow": (0.95, 0.85, 0.1),
}
TEXTURES = ["plain", "stripes", "checker"]
CONCEPTS = SHAPES + list(COLOURS) + TEXTURES + ["background"]


def shape_mask(kind, cy, cx, r, size, yy, xx):
    """Returns the boolean mask of one object of radius r centred at (cy, cx)."""
    if kind == "circle":
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    if kind == "square":
        return (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
    if kind == "triangle":
        # apex up: inside when below the apex and within the widening sides
        dy = yy - (cy - r)
        return (dy >= 0) & (dy <= 2 * r) & (abs(xx - cx) <= dy / 2)
    if kind == "bar":
        return (abs(yy - cy) <= r / 3) & (abs(xx - cx) <= 1.6 * r)
    raise ValueError(kind)


def texture(kind, yy, xx, phase):
    """Returns a brightness pattern in [0.55, 1] for a texture."""
    if kind == "plain":
        return np.ones_like(yy, dtype=np.float32)
    if kind == "stripes":
        return np.where(((xx + yy + phase) // 8) % 2 == 0, 1.0, 0.55).astype(np.float32)
    if kind == "checker":
        return np.where(((xx + phase) // 12 + (yy + phase) // 12) % 2 == 0, 1.0, 0.55).astype(
            np.float32)
    raise ValueError(kind)


def generate(n, seed, size, mask_size):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    inputs = np.empty((n, 3, size, size), dtype=np.uint8)
    masks = {c: np.zeros((n, mask_size, mask_size), dtype=np.uint8) for c in CONCEPTS}
    # nearest pixel of each mask cell's centre
    centres = ((np.arange(mask_size) + 0.5) * size / mask_size).astype(int)
    for i in range(n):
        # a plain grey background (a textured one would blur the texture concepts)
        image = np.full((3, size, size), rng.uniform(0.2, 0.45), dtype=np.float32)
        image += rng.normal(0, 0.02, image.shape).astype(np.float32)
        covered = np.zeros((size, size), dtype=bool)
        labels = {c: np.zeros((size, size), dtype=bool) for c in CONCEPTS}
        for _ in range(int(rng.integers(1, 4))):
            kind = SHAPES[int(rng.integers(len(SHAPES)))]
            colour = list(COLOURS)[int(rng.integers(len(COLOURS)))]
            tex = TEXTURES[int(rng.integers(len(TEXTURES)))]
            r = rng.uniform(0.08, 0.2) * size
            cy, cx = rng.uniform(r, size - r, 2)
            region = shape_mask(kind, cy, cx, r, size, yy, xx)
            shade = texture(tex, yy, xx, int(rng.integers(0, 24)))
            for ch, value in enumerate(COLOURS[colour]):
                image[ch][region] = value * shade[region]
            # a later object hides what it covers of earlier ones
            for c in CONCEPTS:
                labels[c] &= ~region
            labels[kind] |= region
            labels[colour] |= region
            labels[tex] |= region
            covered |= region
        labels["background"] = ~covered
        inputs[i] = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
        for c in CONCEPTS:
            masks[c][i] = labels[c][np.ix_(centres, centres)]
    return inputs, masks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--mask", type=int, default=112, help="mask resolution (cells per side)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    inputs, masks = generate(args.n, args.seed, args.size, args.mask)
    np.savez(args.out, inputs=inputs, **masks)
    shares = ", ".join(f"{c} {masks[c].mean():.3f}" for c in CONCEPTS)
    print(f"{args.n} images {args.size}x{args.size}, masks {args.mask}x{args.mask}; "
          f"share of cells per concept: {shares}")


if __name__ == "__main__":
    main()
