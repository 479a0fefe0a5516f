#!/usr/bin/env python3
"""A weight soup: the weighted average of fine-tuned classifiers that share one base (Wortsman
and others, "Model soups", 2022). Same architecture, so serving it costs what one model costs.

    python3 scripts/sentiment/soup.py --out target/soup run11.safetensors:0.5 run2.safetensors:0.5

Weights are normalized to sum to 1. A tensor some models lack (the unused pooler) is averaged
over those that hold it. Writes model.safetensors (f16) beside a copy of --like's config.json and
tokenizer.json, so `SENTIMENT_MODEL_DIR=target/soup cinesense sentiment eval` reads it as is.
"""

import argparse
import os
import shutil

import numpy as np
from safetensors.numpy import load_file, save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--like", default="data/models/sentiment", help="where config.json and tokenizer.json are")
    ap.add_argument("models", nargs="+", metavar="PATH:WEIGHT")
    args = ap.parse_args()
    parts = []
    for spec in args.models:
        path, _, weight = spec.rpartition(":")
        if not path or not os.path.isfile(path):
            raise SystemExit(f"expected PATH:WEIGHT with an existing file, got {spec!r}")
        parts.append((load_file(path), float(weight)))
    total = sum(w for _, w in parts)
    if total <= 0:
        raise SystemExit("the weights must sum to more than 0")
    sums, weights = {}, {}
    for tensors, w in parts:
        for k, v in tensors.items():
            if k in sums and sums[k].shape != v.shape:
                raise SystemExit(f"{k}: shapes {sums[k].shape} and {v.shape} differ: not the same architecture")
            sums[k] = sums.get(k, 0) + v.astype(np.float32) * (w / total)
            weights[k] = weights.get(k, 0) + w / total
    soup = {k: (v / weights[k]).astype(np.float16) for k, v in sums.items()}
    os.makedirs(args.out, exist_ok=True)
    tmp = os.path.join(args.out, "model.safetensors.partial")
    save_file(soup, tmp)
    os.replace(tmp, os.path.join(args.out, "model.safetensors"))
    for name in ("config.json", "tokenizer.json"):
        shutil.copyfile(os.path.join(args.like, name), os.path.join(args.out, name))
    print(f"{len(soup)} tensors from {len(parts)} models written to {args.out}")


if __name__ == "__main__":
    main()
