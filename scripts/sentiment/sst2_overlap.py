#!/usr/bin/env python3
"""How much of each "unseen" SST-2 dev sentence the training data held anyway.

`cinesense sentiment eval` scores SST-2 sentences on the project's dev.tsv rows whose text no
training row holds (the 484 of `sentiment::data::sst2_dev_unseen`: not inside a training row,
and no training row covering 90% or more of its words inside it). SST-2 train holds every
phrase of its sentences, so a kept sentence can still have large labeled parts in training.
This prints, over those sentences, how much of each the largest training row inside it covers.

Run: python3 scripts/sentiment/sst2_overlap.py [../shared/data/sentiment]
"""
import statistics
import sys
from pathlib import Path


def rows(path):
    out = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            text, label = line.rstrip("\n").rsplit("\t", 1)
            out.append((text, int(label)))
    return out


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sentiment")
    train = rows(root / "sst2" / "train.tsv")
    dev = rows(root / "sst2" / "dev.tsv")
    whole, inside = set(), set()
    for text, _ in train:
        w = text.lower().split()
        whole.add(" ".join(w))
        for i in range(len(w)):
            for j in range(i + 1, len(w) + 1):
                inside.add(" ".join(w[i:j]))
    covered = []
    for text, _ in dev:
        w = text.lower().split()
        n = len(w)
        if n == 0 or " ".join(w) in inside:
            continue
        best = max(
            (j - i for i in range(n) for j in range(i + 1, n + 1) if " ".join(w[i:j]) in whole),
            default=0,
        )
        if 10 * best >= 9 * n:
            continue
        covered.append(best / n)
    print(f"{len(covered)} sentences kept as unseen")
    print(f"median share of a sentence's words covered by its largest training row: {statistics.median(covered):.3f}")
    for share in (0.3, 0.5, 0.7, 0.8):
        print(f"  covered {share:.0%} or more: {sum(c >= share for c in covered)}")


if __name__ == "__main__":
    main()
