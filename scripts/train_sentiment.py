#!/usr/bin/env python3
"""Fine-tunes the review classifier on the CPU with PyTorch: the same model as
src/sentiment/bert.rs (BERT encoder, mean pooling, dropout 0.1, linear 384 -> 2), the same
examples (`cinesense sentiment examples` writes them; this script only trains), AdamW with a
linear warm-up over 6% of the steps and a linear decay to zero, word embeddings frozen.

Why a second trainer: on the 2-core CPU machine `cinesense sentiment train` (candle) needs about
four hours for one epoch over every aclImdb review; PyTorch's CPU kernels do it in under an
hour. The served model is still loaded, checked and run by the Rust code only.

--base is the pretrained encoder (a new head is added) or a model trained here (its head is
kept and training goes on from it).

Resumable: a checkpoint is written every few minutes and on Ctrl-C; the same command goes on
from it. At the end of each epoch it writes DIR/epoch-N/model.safetensors (f32, the layout
`cinesense sentiment export --checkpoint DIR/epoch-N` turns into the served model).

    pip install torch safetensors
    cinesense sentiment examples --base target/minilm-base --imdb 0
    python3 scripts/train_sentiment.py --base target/minilm-base --epochs 2
"""

import argparse
import json
import os
import random
import signal
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn


class LayerNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.bias = nn.Parameter(torch.zeros(size))
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.heads = c["num_attention_heads"]
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out = nn.Linear(h, h)
        self.attn_norm = LayerNorm(h, c["layer_norm_eps"])
        self.intermediate = nn.Linear(h, i)
        self.output = nn.Linear(i, h)
        self.out_norm = LayerNorm(h, c["layer_norm_eps"])
        self.p = c.get("hidden_dropout_prob", 0.1)

    def forward(self, x, mask_bias):
        b, l, h = x.shape
        split = lambda t: t.view(b, l, self.heads, h // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        ctx = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask_bias, dropout_p=self.p if self.training else 0.0
        )
        ctx = ctx.transpose(1, 2).reshape(b, l, h)
        x = self.attn_norm(F.dropout(self.attn_out(ctx), self.p, self.training) + x)
        inner = F.gelu(self.intermediate(x))
        return self.out_norm(F.dropout(self.output(inner), self.p, self.training) + x)


class SentimentModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.word = nn.Embedding(c["vocab_size"], h)
        self.position = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type = nn.Embedding(c["type_vocab_size"], h)
        self.norm = LayerNorm(h, c["layer_norm_eps"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.head = nn.Linear(h, 2)
        self.p = c.get("hidden_dropout_prob", 0.1)

    def forward(self, ids, mask):
        l = ids.shape[1]
        pos = torch.arange(l, device=ids.device).unsqueeze(0)
        x = self.word(ids) + self.position(pos) + self.token_type(torch.zeros_like(ids))
        x = F.dropout(self.norm(x), self.p, self.training)
        mask_bias = ((1.0 - mask) * -1e4)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        m = mask.unsqueeze(2)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-6)
        return self.head(F.dropout(pooled, 0.1, self.training))


def hf_names(c):
    """This module's parameter names -> Hugging Face BertModel's (what the Rust code reads)."""
    names = {
        "word.weight": "embeddings.word_embeddings.weight",
        "position.weight": "embeddings.position_embeddings.weight",
        "token_type.weight": "embeddings.token_type_embeddings.weight",
        "norm.weight": "embeddings.LayerNorm.weight",
        "norm.bias": "embeddings.LayerNorm.bias",
        "head.weight": "classifier.weight",
        "head.bias": "classifier.bias",
    }
    parts = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attn_out": "attention.output.dense",
        "attn_norm": "attention.output.LayerNorm",
        "intermediate": "intermediate.dense",
        "output": "output.dense",
        "out_norm": "output.LayerNorm",
    }
    for i in range(c["num_hidden_layers"]):
        for ours, theirs in parts.items():
            for w in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{w}"] = f"encoder.layer.{i}.{theirs}.{w}"
    return names


def batches(lengths, batch, seed):
    """Seeded, length-bucketed batches, cut the way src/sentiment/train.rs cuts them (its RNG differs)."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    for g in range(0, len(order), batch * 50):
        group = sorted(order[g : g + batch * 50], key=lambda i: lengths[i])
        out.extend(group[j : j + batch] for j in range(0, len(group), batch))
    rng.shuffle(out)
    return out


def padded(examples, idx):
    l = max(len(examples[i][0]) for i in idx)
    ids = torch.zeros(len(idx), l, dtype=torch.long)
    mask = torch.zeros(len(idx), l)
    for r, i in enumerate(idx):
        seq = examples[i][0]
        ids[r, : len(seq)] = torch.tensor(seq)
        mask[r, : len(seq)] = 1.0
    labels = torch.tensor([examples[i][1] for i in idx])
    return ids, mask, labels


def save_weights(model, names, path):
    tmp = path + ".tmp"
    save_file({names[k]: v.detach().contiguous() for k, v in model.state_dict().items()}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="base encoder folder (config.json, model.safetensors)")
    ap.add_argument("--examples", default="target/sentiment-examples.jsonl")
    ap.add_argument("--checkpoint", default="target/sentiment-torch")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--seed", type=int, default=42, help="orders the data and draws dropout")
    ap.add_argument("--init-seed", type=int, help="draws a new head (default: --seed); runs meant "
                    "to be averaged share one, as train_gpu.py --plan seeds does")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast (weights and optimizer "
                    "stay f32): only for CPUs with AVX512_BF16, about 1.45 times faster a step on a "
                    "Zen 4; on AVX2 alone about 13 times slower (a Zen 2: 105 s against 7.8 s)")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.bf16 and os.path.exists("/proc/cpuinfo") and "avx512_bf16" not in open("/proc/cpuinfo").read():
        print("warning: this CPU has no AVX512_BF16; --bf16 will be far slower than without it",
              file=sys.stderr, flush=True)
    torch.manual_seed(args.seed if args.init_seed is None else args.init_seed)

    config = json.load(open(os.path.join(args.base, "config.json")))
    config.setdefault("layer_norm_eps", 1e-12)
    names = hf_names(config)
    model = SentimentModel(config)
    base = load_file(os.path.join(args.base, "model.safetensors"))
    missing = model.load_state_dict(
        {k: base[v].float() for k, v in names.items() if v in base}, strict=False
    ).missing_keys
    # A base with a head (a model trained here) goes on from it; an encoder gets a new head.
    if missing and sorted(missing) != ["head.bias", "head.weight"]:
        sys.exit(f"the base model lacks {missing}")
    model.word.weight.requires_grad_(False)
    if args.init_seed is not None:
        torch.manual_seed(args.seed)  # as train_gpu.py's worker: the seed then draws dropout

    examples = []
    with open(args.examples) as f:
        for line in f:
            row = json.loads(line)
            examples.append((row["ids"], row["label"]))
    lengths = [len(e[0]) for e in examples]
    plans = [batches(lengths, args.batch, args.seed + e) for e in range(args.epochs)]
    per_epoch = len(plans[0])
    total = per_epoch * args.epochs
    print(f"{len(examples)} examples ({sum(lengths)} tokens), {args.epochs} x {per_epoch} batches "
          f"of {args.batch}, {args.threads} threads", flush=True)

    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warmup = max(1.0, 0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / (total - warmup))
    )

    os.makedirs(args.checkpoint, exist_ok=True)
    ckpt = os.path.join(args.checkpoint, "state.pt")
    run = {k: getattr(args, k) for k in ("base", "examples", "epochs", "batch", "lr", "seed", "init_seed", "bf16")}
    run["examples_count"] = len(examples)
    step = 0
    if os.path.exists(ckpt):
        state = torch.load(ckpt, weights_only=False)
        if state["run"] != run:
            sys.exit(f"{ckpt} is a checkpoint of a run with other arguments: remove it or use the same ones")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        torch.set_rng_state(state["rng"])
        print(f"resuming from step {step} of {total}", flush=True)

    def save_checkpoint():
        tmp = ckpt + ".tmp"
        torch.save({"run": run, "step": step, "model": model.state_dict(), "opt": opt.state_dict(),
                    "sched": sched.state_dict(), "rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, ckpt)

    stop = {"asked": False}
    signal.signal(signal.SIGINT, lambda *_: stop.update(asked=True))
    signal.signal(signal.SIGTERM, lambda *_: stop.update(asked=True))

    model.train()
    started, last_ckpt, ema, first = time.time(), time.time(), 0.69, step
    while step < total:
        epoch, within = divmod(step, per_epoch)
        ids, mask, labels = padded(examples, plans[epoch][within])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = F.cross_entropy(model(ids, mask).float(), labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        ema = 0.98 * ema + 0.02 * loss.item()
        if step % 20 == 0 or step == total:
            rate = (step - first) / (time.time() - started)
            eta = (total - step) / max(rate, 1e-9)
            print(f"step {step}/{total} epoch {epoch + 1} loss {ema:.3f} lr {sched.get_last_lr()[0]:.1e} "
                  f"{rate * 60:.0f} steps/min eta {eta / 60:.0f} min", flush=True)
        if step % per_epoch == 0:
            out = os.path.join(args.checkpoint, f"epoch-{step // per_epoch}")
            os.makedirs(out, exist_ok=True)
            save_weights(model, names, os.path.join(out, "model.safetensors"))
            print(f"epoch {step // per_epoch} written to {out}", flush=True)
        if stop["asked"] or time.time() - last_ckpt >= args.checkpoint_minutes * 60:
            save_checkpoint()
            last_ckpt = time.time()
            if stop["asked"]:
                print(f"stopped at step {step} of {total}; run the same command to resume", flush=True)
                return 130
    save_checkpoint()
    print(f"trained in {(time.time() - started) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
