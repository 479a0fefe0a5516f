"""The scikit-learn pipeline `cinesense bench content --compare-sklearn` runs beside its own:
per-field TF-IDF (TfidfVectorizer), each field's rows L2-normalised and scaled by its weight,
stacked, then dense cosine similarity (sklearn.metrics.pairwise.cosine_similarity) and the top
k of each row. Reads the documents the benchmark wrote (JSON lines, one movie each), prints one
JSON line: {"movies", "k", "seconds", "peak_rss_mib"}.

Usage: python3 peers/sklearn_content.py DOCS.jsonl K   (needs scikit-learn: pip install scikit-learn)
"""
import json
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import normalize

FIELDS = ["genres", "keywords", "tags", "overview", "title"]


def main():
    path, k = sys.argv[1], int(sys.argv[2])
    with open(path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    weights = docs[0]["weights"]
    docs = docs[1:]
    started = time.perf_counter()
    blocks = []
    for field in FIELDS:
        texts = [d[field] for d in docs]
        if not any(t.strip() for t in texts):
            continue
        # Phrases are single tokens already (the benchmark wrote them joined by "_").
        vec = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", stop_words="english")
        m = normalize(vec.fit_transform(texts)) * weights[field]
        blocks.append(m)
    features = sp.hstack(blocks).tocsr()
    sim = cosine_similarity(features)  # dense n x n
    np.fill_diagonal(sim, -1.0)
    top = np.argpartition(-sim, k, axis=1)[:, :k]
    rows = np.arange(sim.shape[0])[:, None]
    order = np.argsort(-sim[rows, top], axis=1)
    top = top[rows, order]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"movies": len(docs), "k": k, "seconds": round(seconds, 3),
                      "peak_rss_mib": round(peak, 1), "top_checksum": int(top[:, 0].sum())}))


if __name__ == "__main__":
    main()
