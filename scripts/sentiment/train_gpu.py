#!/usr/bin/env python3
"""Selects and trains the review classifier on one GPU, in one sitting of under ten minutes.

The model, weight names and batching are scripts/train_sentiment.py's; the examples and the
validation split are scripts/sentiment/sentence_split.py's (target/gpu/examples.npz).
Everything is chosen on that validation split (SST-2 sentences held out with their phrases,
aclImdb reviews held out), never on `cinesense sentiment eval`'s sets.

Phase 1 trains several recipes side by side in validation mode (one process each, sharing the
GPU). Phase 2 trains, again side by side: a student distilled from the phase-1 models together
(their averaged logits, temperature 2, on the same training examples: no other text), and the
full-data twins of the best phase-1 recipe and of the student. The twin of whichever validates
better is written out. Every run's figures go to results.json.

`--plan seeds` asks instead whether several runs of one recipe, differing only in data order
and dropout (same head initialisation), do better together: phase 1 trains SEEDS runs of the
served recipe (B) on the validation split and reports each, their logits averaged over the
first k, and their uniform weight soup (the weights averaged: one model, the same cost per
review); phase 2 trains their full-data twins and writes out the full-data soup when the
validation soup beats the best single run on the held-out sentences without losing more than
half a point on the reviews, else the seed-42 twin (recipe B as served).

    python3 scripts/sentiment/train_gpu.py --base DIR --examples target/gpu/examples.npz --out OUT
    python3 scripts/sentiment/train_gpu.py --plan seeds --base DIR --out OUT

One run alone, on any machine: `--worker CFG` with CFG a run's JSON (the fields `worker` reads;
data/models/sentiment/selection-2026-12-05-cpu.json holds one). On a CPU add "threads",
and "val_logits_only" to skip the training rows' logits; "sst2_only" trains on SST-2's rows
alone (the 2026-12-05 sentence model, which lost to recipe B's mixed training).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from train_sentiment import SentimentModel, batches, hf_names  # noqa: E402

# Phase-1 recipes. A is the committed model's (MODEL_CARD run 2).
RECIPES = {
    "A": dict(lr=8e-5, epochs=2, freeze=True, sentence_weight=1, seed=42),
    "A-seed43": dict(lr=8e-5, epochs=2, freeze=True, sentence_weight=1, seed=43),
    "B-3ep-lr5e-5": dict(lr=5e-5, epochs=3, freeze=True, sentence_weight=1, seed=42),
    "C-3ep-embeddings": dict(lr=8e-5, epochs=3, freeze=False, sentence_weight=1, seed=42),
    "D-sentences-x3": dict(lr=8e-5, epochs=2, freeze=True, sentence_weight=3, seed=42),
    "E-lr1.2e-4": dict(lr=1.2e-4, epochs=2, freeze=True, sentence_weight=1, seed=42),
}


def load_examples(path):
    z = np.load(path)
    off, tok = z["offsets"], z["tokens"].astype(np.int64)
    seqs = [tok[off[i]:off[i + 1]] for i in range(len(off) - 1)]
    return seqs, z["labels"].astype(np.int64), z["split"], z["sentence"]


def padded(seqs, idx, device):
    l = max(len(seqs[i]) for i in idx)
    ids = np.zeros((len(idx), l), dtype=np.int64)
    mask = np.zeros((len(idx), l), dtype=np.float32)
    for r, i in enumerate(idx):
        ids[r, : len(seqs[i])] = seqs[i]
        mask[r, : len(seqs[i])] = 1.0
    return (torch.from_numpy(ids).to(device, non_blocking=True),
            torch.from_numpy(mask).to(device, non_blocking=True))


@torch.no_grad()
def logits_of(model, seqs, device, batch=512):
    model.eval()
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    out = np.zeros((len(seqs), 2), dtype=np.float32)
    for j in range(0, len(order), batch):
        idx = order[j:j + batch]
        ids, mask = padded(seqs, idx, device)
        out[idx] = model(ids, mask).float().cpu().numpy()
    model.train()
    return out


def based_model(config, base_dir, names):
    """The model with the base's weights loaded (the head stays as initialised)."""
    model = SentimentModel(config)
    base = load_file(os.path.join(base_dir, "model.safetensors"))
    model.load_state_dict({k: base[v].float() for k, v in names.items() if v in base}, strict=False)
    return model


def soup(run_dirs, base_dir, examples, limit):
    """The runs' saved weights averaged (what training changed; frozen ones stay the base's),
    and the averaged model's logits on every example."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    parts = [load_file(os.path.join(d, "model.safetensors")) for d in run_dirs]
    averaged = {k: torch.stack([p[k].float() for p in parts]).mean(0) for k in parts[0]}
    config = json.load(open(os.path.join(base_dir, "config.json")))
    config.setdefault("layer_norm_eps", 1e-12)
    names = hf_names(config)
    model = based_model(config, base_dir, names)
    model.load_state_dict({k: averaged[v] for k, v in names.items() if v in averaged}, strict=False)
    model.to(device)
    seqs = load_examples(examples)[0]
    if limit:
        seqs = [seqs[i] for i in range(0, len(seqs), max(1, len(seqs) // limit))]
    logits = logits_of(model, seqs, device)
    return {k: v.half().contiguous() for k, v in averaged.items()}, logits


def figures(name, logits, labels, split):
    pred = logits.argmax(1)
    return {"name": name, "mode": "val",
            "sst2_sentences_val": float((pred[split == 1] == labels[split == 1]).mean()),
            "aclimdb_val": float((pred[split == 2] == labels[split == 2]).mean())}


def write_pieces(tensors, out):
    """The model in pieces under the 16 MiB a returned file may hold. A tensor larger than that
    (the word embeddings, when trained) goes in slices of rows named "NAME#rows-START";
    scripts/sentiment/join_pieces.py puts them together."""
    limit = 14 * 2**20
    sliced = {}
    for k, v in tensors.items():
        if v.numel() * 2 > limit:
            rows = limit // (v[0].numel() * 2)
            for start in range(0, v.shape[0], rows):
                sliced[f"{k}#rows-{start}"] = v[start:start + rows].contiguous()
        else:
            sliced[k] = v
    piece, size, n = {}, 0, 0
    for k in sorted(sliced):
        if size + sliced[k].numel() * 2 > limit and piece:
            save_file(piece, os.path.join(out, f"model-{n}.safetensors"))
            piece, size, n = {}, 0, n + 1
        piece[k] = sliced[k]
        size += sliced[k].numel() * 2
    if piece:
        save_file(piece, os.path.join(out, f"model-{n}.safetensors"))


def worker(cfg):
    """One training run; writes logits.npy, model.safetensors and result.json into cfg['dir']."""
    os.makedirs(cfg["dir"], exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(cfg["seed"])
    seqs, labels, split, sentence = load_examples(cfg["examples"])
    if cfg.get("limit"):
        keep = list(range(0, len(seqs), max(1, len(seqs) // cfg["limit"])))
        seqs, labels, split, sentence = ([seqs[i] for i in keep], labels[keep], split[keep],
                                         sentence[keep])
    if cfg.get("threads"):
        torch.set_num_threads(cfg["threads"])
    train = np.flatnonzero(split == 0) if cfg["mode"] == "val" else np.arange(len(seqs))
    if cfg.get("sst2_only"):
        # A model for short texts: SST-2's rows only (they come first in the examples).
        train = train[train < int(np.load(cfg["examples"])["n_sst"])]
    train = list(train) + [i for i in train if sentence[i]] * (cfg["sentence_weight"] - 1)
    lengths = [len(seqs[i]) for i in train]

    config = json.load(open(os.path.join(cfg["base"], "config.json")))
    config.setdefault("layer_norm_eps", 1e-12)
    names = hf_names(config)
    if "init_seed" in cfg:
        # Runs meant to be averaged start from one head; the seed then orders data and dropout.
        torch.manual_seed(cfg["init_seed"])
    model = based_model(config, cfg["base"], names)
    if "init_seed" in cfg:
        torch.manual_seed(cfg["seed"])
    model.word.weight.requires_grad_(not cfg["freeze"])
    model.to(device).train()
    teacher = None
    if cfg.get("teacher"):
        teacher = torch.from_numpy(np.load(cfg["teacher"])).to(device)

    plans = [batches(lengths, cfg["batch"], cfg["seed"] + e) for e in range(cfg["epochs"])]
    per_epoch, total = len(plans[0]), len(plans[0]) * cfg["epochs"]
    if cfg.get("max_steps"):
        total = min(total, cfg["max_steps"])
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg["lr"], weight_decay=0.01,
                            fused=device.type == "cuda")
    warmup = max(1.0, 0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / (total - warmup)))
    labels_t = torch.from_numpy(labels).to(device)
    train_t = torch.tensor(train, device=device)
    started, step, cut = time.time(), 0, False
    while step < total:
        if time.time() > cfg.get("deadline", float("inf")):
            cut = True
            break
        epoch, within = divmod(step, per_epoch)
        pos = plans[epoch][within]
        rows = [train[p] for p in pos]
        ids, mask = padded(seqs, rows, device)
        rows_t = train_t[torch.tensor(pos, device=device)]
        out = model(ids, mask)
        loss = F.cross_entropy(out, labels_t[rows_t])
        if teacher is not None:
            t, a = 2.0, cfg["kd_alpha"]
            soft = F.kl_div(F.log_softmax(out / t, -1), F.log_softmax(teacher[rows_t] / t, -1),
                            log_target=True, reduction="batchmean") * t * t
            loss = (1 - a) * loss + a * soft
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        if step % 500 == 0:
            print(f"{cfg['name']}: step {step}/{total} {step / (time.time() - started):.1f} steps/s",
                  flush=True)
    seconds = time.time() - started
    if cfg.get("val_logits_only"):
        # On a CPU the 22,000 training reviews' logits cost minutes: only the held-out rows'.
        logits = np.zeros((len(seqs), 2), dtype=np.float32)
        rows = np.flatnonzero((split == 1) | (split == 2))
        logits[rows] = logits_of(model, [seqs[i] for i in rows], device)
    else:
        logits = logits_of(model, seqs, device)
    np.save(os.path.join(cfg["dir"], "logits.npy"), logits)
    pred = logits.argmax(1)
    # A full-data run trained on the validation rows: no validation figure.
    acc = lambda m: float((pred[m] == labels[m]).mean()) if m.any() and cfg["mode"] == "val" else None  # noqa: E731
    result = {"name": cfg["name"], "mode": cfg["mode"], "steps": step, "of": total,
              "cut_short": cut, "seconds": round(seconds, 1),
              "sst2_sentences_val": acc(split == 1), "aclimdb_val": acc(split == 2),
              "recipe": {k: cfg[k] for k in ("lr", "epochs", "freeze", "sentence_weight", "seed",
                                             "batch") + (("kd_alpha",) if teacher is not None else ())}}
    # Frozen word embeddings are the base's: only what training changed is kept.
    keep = {names[k]: v.detach().half().contiguous().cpu() for k, v in model.state_dict().items()
            if not (cfg["freeze"] and k == "word.weight")}
    save_file(keep, os.path.join(cfg["dir"], "model.safetensors"))
    json.dump(result, open(os.path.join(cfg["dir"], "result.json"), "w"))
    print(json.dumps(result), flush=True)


def run_all(jobs, work):
    procs = []
    for cfg in jobs:
        cfg["dir"] = os.path.join(work, cfg["name"] + "-" + cfg["mode"])
        os.makedirs(cfg["dir"], exist_ok=True)
        log = open(os.path.join(cfg["dir"], "log.txt"), "w")
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(cfg)],
                                      stdout=log, stderr=subprocess.STDOUT))
    for p in procs:
        p.wait()
    results = []
    for cfg in jobs:
        path = os.path.join(cfg["dir"], "result.json")
        if os.path.exists(path):
            results.append(json.load(open(path)))
        else:
            print(open(os.path.join(cfg["dir"], "log.txt")).read()[-3000:], flush=True)
    return results


def seeds(args):
    """`--plan seeds`: several runs of recipe B, alone, with their logits averaged, and souped."""
    t0 = time.time()
    common = dict(base=args.base, examples=args.examples, batch=32, init_seed=42,
                  **{k: v for k, v in RECIPES["B-3ep-lr5e-5"].items() if k != "seed"})
    limit = 0
    if args.smoke:
        common.update(limit=3000, max_steps=6)
        limit = 3000
    n = 2 if args.smoke else args.seeds
    runs = [dict(common, name=f"B-seed{42 + i}", seed=42 + i) for i in range(n)]
    results = run_all([dict(r, mode="val", deadline=t0 + args.phase1_seconds) for r in runs],
                      args.work)
    _, labels, split, _ = load_examples(args.examples)
    if limit:
        keep = list(range(0, len(labels), max(1, len(labels) // limit)))
        labels, split = labels[keep], split[keep]
    val_dirs = [os.path.join(args.work, r["name"] + "-val") for r in runs]
    logits = [np.load(os.path.join(d, "logits.npy")) for d in val_dirs]
    together = [figures(f"first {k} runs, logits averaged (one model per run at inference)",
                        np.mean(logits[:k], axis=0), labels, split) for k in range(2, n + 1)]
    _, soup_logits = soup(val_dirs, args.base, args.examples, limit)
    souped = figures(f"uniform soup of the {n} runs (one model)", soup_logits, labels, split)
    best = max(results, key=lambda r: r["sst2_sentences_val"])
    use_soup = (souped["sst2_sentences_val"] > best["sst2_sentences_val"]
                and souped["aclimdb_val"] >= best["aclimdb_val"] - 0.005)
    print(json.dumps({"together": together, "soup": souped, "use_soup": use_soup}), flush=True)

    deadline2 = time.time() + args.phase2_seconds
    full = run_all([dict(r, mode="full", deadline=deadline2) for r in runs], args.work)
    full_dirs = [os.path.join(args.work, r["name"] + "-full") for r in runs]
    if use_soup:
        chosen, tensors = f"uniform soup of the {n} full-data runs", soup(full_dirs, args.base,
                                                                            args.examples, limit)[0]
    else:
        chosen = "B-seed42 (full data)"
        tensors = load_file(os.path.join(full_dirs[0], "model.safetensors"))
    os.makedirs(args.out, exist_ok=True)
    summary = {"plan": "seeds", "chosen": chosen,
               "results": results + together + [souped] + full,
               "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
               "torch": torch.__version__, "seconds": round(time.time() - t0, 1)}
    json.dump(summary, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    print(json.dumps(summary, indent=1), flush=True)
    write_pieces(tensors, args.out)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker")
    ap.add_argument("--base")
    ap.add_argument("--examples", default="target/gpu/examples.npz")
    ap.add_argument("--out")
    ap.add_argument("--work", default="/tmp/sentiment-gpu")
    ap.add_argument("--phase1-seconds", type=float, default=270)
    ap.add_argument("--phase2-seconds", type=float, default=210)
    ap.add_argument("--smoke", action="store_true", help="a few steps on a few examples (CPU check)")
    ap.add_argument("--plan", choices=["recipes", "seeds"], default="recipes")
    ap.add_argument("--seeds", type=int, default=6)
    args = ap.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    if args.plan == "seeds":
        return seeds(args)

    t0 = time.time()
    common = dict(base=args.base, examples=args.examples, batch=32, kd_alpha=0.5)
    if args.smoke:
        common.update(limit=3000, max_steps=6)
    recipes = dict(list(RECIPES.items())[:2]) if args.smoke else RECIPES
    phase1 = [dict(common, name=n, mode="val", deadline=t0 + args.phase1_seconds, **r)
              for n, r in recipes.items()]
    results = run_all(phase1, args.work)
    finished = [r for r in results if not r["cut_short"]] or results
    best = max(finished, key=lambda r: r["sst2_sentences_val"])
    print(f"phase 1 best: {best['name']}", flush=True)

    # The phase-1 models together: the teacher, and a figure of its own.
    seqs, labels, split, _ = load_examples(args.examples)
    if args.smoke:
        keep = list(range(0, len(seqs), max(1, len(seqs) // 3000)))
        labels, split = labels[keep], split[keep]
    teacher = np.mean([np.load(os.path.join(args.work, r["name"] + "-val", "logits.npy"))
                       for r in results], axis=0)
    teacher_path = os.path.join(args.work, "teacher.npy")
    np.save(teacher_path, teacher)
    pred = teacher.argmax(1)
    ensemble = {"name": "phase-1 models averaged (not servable: the teacher)", "mode": "val",
                "sst2_sentences_val": float((pred[split == 1] == labels[split == 1]).mean()),
                "aclimdb_val": float((pred[split == 2] == labels[split == 2]).mean())}

    deadline2 = time.time() + args.phase2_seconds
    recipe = dict(best["recipe"])
    phase2 = [
        dict(common, name="KD-" + best["name"], mode="val", deadline=deadline2, teacher=teacher_path,
             **recipe),
        dict(common, name="KD-" + best["name"], mode="full", deadline=deadline2,
             teacher=teacher_path, **recipe),
        dict(common, name=best["name"], mode="full", deadline=deadline2, **recipe),
    ]
    results2 = run_all(phase2, args.work)
    everything = results + [ensemble] + results2
    kd = next((r for r in results2 if r["mode"] == "val"), None)
    use_kd = (kd is not None and not kd["cut_short"]
              and kd["sst2_sentences_val"] > best["sst2_sentences_val"]
              and kd["aclimdb_val"] >= best["aclimdb_val"] - 0.005)
    chosen = ("KD-" if use_kd else "") + best["name"]
    os.makedirs(args.out, exist_ok=True)
    summary = {"chosen": chosen + " (full data)", "results": everything,
               "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
               "torch": torch.__version__, "seconds": round(time.time() - t0, 1)}
    json.dump(summary, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    print(json.dumps(summary, indent=1), flush=True)
    write_pieces(load_file(os.path.join(args.work, chosen + "-full", "model.safetensors")), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
