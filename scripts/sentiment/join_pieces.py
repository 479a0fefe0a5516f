#!/usr/bin/env python3
"""Puts the pieces train_gpu.py writes back into one checkpoint for `cinesense sentiment export`:
the trained tensors (f16, sliced where large) over the base's (whose frozen word embeddings
were not sent back).

    python3 scripts/sentiment/join_pieces.py --base target/minilm-base --pieces DIR --out target/sentiment-gpu
    cinesense sentiment export --checkpoint target/sentiment-gpu --base target/minilm-base
"""

import argparse
import glob
import os
import re

import numpy as np
from safetensors.numpy import load_file, save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pieces", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = {k: v.astype(np.float32) for k, v in load_file(os.path.join(args.base, "model.safetensors")).items()
             if k != "embeddings.position_ids"}
    sliced = {}
    for path in sorted(glob.glob(os.path.join(args.pieces, "model-*.safetensors"))):
        for k, v in load_file(path).items():
            m = re.fullmatch(r"(.+)#rows-(\d+)", k)
            if m:
                sliced.setdefault(m.group(1), []).append((int(m.group(2)), v))
            else:
                model[k] = v.astype(np.float32)
    for k, parts in sliced.items():
        model[k] = np.concatenate([v for _, v in sorted(parts, key=lambda p: p[0])]).astype(np.float32)
    if "classifier.weight" not in model:
        raise SystemExit("the pieces hold no classifier: not a train_gpu.py output")
    os.makedirs(args.out, exist_ok=True)
    save_file(model, os.path.join(args.out, "model.safetensors"))
    print(f"{len(model)} tensors written to {args.out}/model.safetensors")


if __name__ == "__main__":
    main()
