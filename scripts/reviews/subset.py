#!/usr/bin/env python3
"""Keeps the reviews of one MovieLens release's films from the 75,000-review file.

    scripts/reviews/subset.py ../shared/data/reviews/aclimdb-reviews-by-title.jsonl.gz \
        data/movielens-ml-latest-small/links.csv data/reviews/imdb-reviews.jsonl.gz

Rows are copied verbatim (same order, same fields); only titles that links.csv names are kept.
The output is written beside the target and renamed over it, so it is whole or absent.
"""
import csv
import gzip
import os
import sys


def main(source, links, target):
    with open(links, newline="", encoding="utf-8") as f:
        wanted = {f"tt{row['imdbId'].zfill(7)}" for row in csv.DictReader(f) if row["imdbId"]}
    kept = titles = 0
    seen = set()
    partial = target + ".partial"
    # mtime=0: the same input gives the same bytes.
    with gzip.open(source, "rt", encoding="utf-8") as src, open(partial, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as out:
        for line in src:
            imdb_id = line[len('{"imdb_id": "'):].split('"', 1)[0]
            if imdb_id in wanted:
                out.write(line.encode("utf-8"))
                kept += 1
                if imdb_id not in seen:
                    seen.add(imdb_id)
                    titles += 1
    os.replace(partial, target)
    print(f"{kept} reviews of {titles} titles -> {target}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
