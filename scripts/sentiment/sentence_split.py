#!/usr/bin/env python3
"""Cuts a sentence-level validation split from SST-2 train that mirrors GLUE's SST-2 dev, and
packs the encoded examples for scripts/sentiment/train_gpu.py.

SST-2 train holds every phrase of its sentences as a labeled row, so a held-out sentence is
only held out when the rows inside it leave training too. Here: a *sentence* is a row that no
other row contains (word-aligned, case-blind); 1 in 6 of those with 5 words or more, chosen by
a hash of the text, is validation, and every training row whose words run inside a validation
sentence is dropped from the validation-mode training set. The aclImdb part: the last 1,000
training reviews (the examples file holds them shuffled) are validation.

    cinesense sentiment examples --base target/minilm-base --imdb 0
    python3 scripts/sentiment/sentence_split.py     # writes target/gpu/examples.npz

The npz holds: tokens (int16, all examples end to end), offsets, labels, split
(0 = train in both modes, 1 = SST-2 validation sentence, 2 = aclImdb validation review,
3 = dropped in validation mode: a phrase of a validation sentence), sentence (1 = SST-2 row
that is a whole sentence).
"""

import argparse
import json
import os
import zlib

import numpy as np


def sst2_rows(path):
    """Exactly the rows `sentiment::data::sst2_train` reads, in order."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if "\t" not in line:
                continue
            text, label = line.rsplit("\t", 1)
            text = text.strip()
            try:
                label = int(label.strip())
            except ValueError:
                continue
            if text:
                rows.append((text, label))
    return rows


def runs(words):
    return {tuple(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/sentiment")
    ap.add_argument("--examples", default="target/sentiment-examples.jsonl")
    ap.add_argument("--out", default="target/gpu/examples.npz")
    ap.add_argument("--every", type=int, default=6, help="1 in N sentences is validation")
    ap.add_argument("--imdb-val", type=int, default=1000)
    args = ap.parse_args()

    sst = sst2_rows(os.path.join(args.data, "sst2/train.tsv"))
    words = [tuple(t.lower().split()) for t, _ in sst]
    inner = set()
    for w in words:
        inner |= {r for r in runs(w) if r != w} if len(w) > 1 else set()
    sentence = np.array([w not in inner for w in words], dtype=np.int8)
    val = [i for i, w in enumerate(words)
           if sentence[i] and len(w) >= 5 and zlib.crc32(" ".join(w).encode()) % args.every == 0]
    val_runs = set()
    for i in val:
        val_runs |= runs(words[i])

    ids, labels = [], []
    with open(args.examples) as f:
        for line in f:
            row = json.loads(line)
            ids.append(row["ids"])
            labels.append(row["label"])
    n_sst = len(sst)
    assert all(labels[i] == sst[i][1] for i in range(n_sst)), "examples and train.tsv disagree"
    split = np.zeros(len(ids), dtype=np.int8)
    for i, w in enumerate(words):
        if w in val_runs:
            split[i] = 3
    split[val] = 1
    split[len(ids) - args.imdb_val:] = 2
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in ids])
    tokens = np.fromiter((t for x in ids for t in x), dtype=np.int16, count=int(offsets[-1]))
    sent = np.zeros(len(ids), dtype=np.int8)
    sent[:n_sst] = sentence
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    np.savez_compressed(args.out, tokens=tokens, offsets=offsets, labels=np.array(labels, np.int8),
                        split=split, sentence=sent, n_sst=np.array(n_sst))
    lens = [len(words[i]) for i in val]
    print(json.dumps({
        "sst2_rows": n_sst, "sentences": int(sentence.sum()), "validation_sentences": len(val),
        "validation_median_words": int(np.median(lens)),
        "rows_dropped_in_validation_mode": int((split == 3).sum()),
        "imdb_validation": args.imdb_val, "examples": len(ids), "tokens": int(offsets[-1]),
    }))


if __name__ == "__main__":
    main()
