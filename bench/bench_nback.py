#!/usr/bin/env python3
"""Benchmark one multi-task N-back training step (issue 18, "Speed"; docs/nback.md) of each
architecture — the vanilla RNN, the GRU and the LSTM of configs/nback.toml, nback_gru.toml and
nback_lstm.toml (batch, units, lr as there, all nine tasks) — through rnnscope against the same
model and loss written for the benchmark in PyTorch 2.13. One thread everywhere, interleaved
repetitions, medians.

rnnscope: `rnnscope train` on that config; its frames are rows of the feature bank (the frozen
CNN's features of every view, computed once when the run starts). Time per step = the difference
of the `train_seconds` of a run of 1 + `--steps` steps and of a run of 1 step, over `--steps`
(so after one warm-up step, like the peer's; it includes drawing the step's trials).

The peer ("pytorch"): the usual PyTorch pipeline, the CNN frozen and run under `torch.no_grad`
on every batch's rendered images (64 × 64 canvases, rendered beforehand by
`rnnscope.nback.sequences`, outside the timer, as a data loader would), then the same cognitive
stage: 1×1 reduction (a Linear over the channels at every position) → flattened ⊕ one-hot task
cue → Linear + LayerNorm → nn.RNN(tanh) / nn.GRU / nn.LSTM → Linear to 3 answers; cross-entropy
on every frame; gradient norm clipped to 1 (rnnscope's train.grad_clip); AdamW (lr of the
config, weight decay 0.01). The CNN's weights are read from the same file rnnscope reads.
"pytorch-bank" is that peer given pre-computed CNN features (rnnscope's trick in PyTorch): it
separates what the bank saves from what the recurrent engine saves.

    .venv/bin/rnnscope nback pretrain --out /tmp/cnn.h5      # once (a few minutes)
    .venv/bin/python bench/bench_nback.py --cnn /tmp/cnn.h5 --cli .venv/bin/rnnscope
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {"vanilla": "configs/nback.toml", "gru": "configs/nback_gru.toml", "lstm": "configs/nback_lstm.toml"}
TASKS = 9


def load_config(arch: str) -> dict:
    with open(os.path.join(ROOT, CONFIGS[arch]), "rb") as f:
        return tomllib.load(f)


def rnnscope_step_seconds(cli: str, arch: str, cnn: str, steps: int, tmp: str, rep: int) -> float:
    """Seconds per training step of `rnnscope train` (module docstring)."""
    train_seconds = []
    for max_steps in (1, 1 + steps):
        out = os.path.join(tmp, f"{arch}-{rep}-{max_steps}")
        subprocess.run([cli, "train", os.path.join(ROOT, CONFIGS[arch]), "--out", out, "--quiet",
                        "--set", f"perception.cnn={cnn}", "--set", "train.threads=1",
                        "--set", f"train.max_steps={max_steps}", "--set", "train.eval_every=0",
                        "--set", "train.eval_trials=64", "--set", "train.checkpoint_every=0",
                        "--set", "train.target_accuracy=2"], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "summary.json")) as f:
            train_seconds.append(json.load(f)["train_seconds"])
    return (train_seconds[1] - train_seconds[0]) / steps


class Peer:
    """The same N-back model and step in PyTorch (module docstring)."""

    def __init__(self, arch: str, cnn_path: str, batches: list[dict]):
        import h5py
        import torch

        cfg = load_config(arch)
        perception, model, train = cfg["perception"], cfg["model"], cfg["train"]
        torch.manual_seed(0)
        with h5py.File(cnn_path, "r") as f:
            layers = []
            for k in range(len(f["channels"])):
                w = torch.from_numpy(f[f"conv{k}/weight"][:])
                conv = torch.nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1)
                conv.weight.data.copy_(w)
                conv.bias.data.copy_(torch.from_numpy(f[f"conv{k}/bias"][:]))
                layers += [conv, torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
        self.cnn = torch.nn.Sequential(*layers).requires_grad_(False).eval()
        self.channels = layers[-3].out_channels
        reduced, embedding, units = perception["reduced_channels"], perception["embedding"], model["units"]
        side = batches[0]["images"].shape[-1] // 2 ** (len(layers) // 3)
        self.positions = side * side
        self.reduce = torch.nn.Linear(self.channels, reduced)
        self.embed = torch.nn.Linear(reduced * self.positions + TASKS, embedding)
        self.norm = torch.nn.LayerNorm(embedding)
        kind = model["type"]
        self.rnn = (torch.nn.RNN(embedding, units, nonlinearity="tanh") if kind == "ctrnn"
                    else torch.nn.GRU(embedding, units) if kind == "gru" else torch.nn.LSTM(embedding, units))
        self.readout = torch.nn.Linear(units, 3)
        self.params = [p for m in (self.reduce, self.embed, self.norm, self.rnn, self.readout) for p in m.parameters()]
        self.optimizer = torch.optim.AdamW(self.params, lr=train["lr"], weight_decay=0.01)
        self.batches = batches
        self.torch = torch

    def features(self, images):
        """The frozen CNN on a batch's frames: [T, B, C, positions]."""
        T, B = images.shape[:2]
        with self.torch.no_grad():
            maps = self.cnn(images.reshape(T * B, 1, *images.shape[2:]))
        return maps.reshape(T, B, self.channels, self.positions)

    def step(self, k: int, features=None) -> None:
        torch = self.torch
        batch = self.batches[k % len(self.batches)]
        feats = self.features(batch["images"]) if features is None else features[k % len(features)]
        T, B = feats.shape[:2]
        reduced = self.reduce(feats.transpose(2, 3)).transpose(2, 3).reshape(T, B, -1)  # channel-major, as rnnscope
        u = self.norm(self.embed(torch.cat([reduced, batch["cue"]], 2)))
        h, _ = self.rnn(u)
        logits = self.readout(h)
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, 3), batch["labels"].reshape(T * B))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()


def rendered_batches(count: int, batch_size: int) -> list[dict]:
    """`count` multi-task batches of rendered trials, time-major, as torch tensors."""
    import numpy as np
    import rnnscope
    import torch

    s = rnnscope.nback.sequences(count * batch_size, seed=3)
    out = []
    for k in range(count):
        part = slice(k * batch_size, (k + 1) * batch_size)
        images = torch.from_numpy(np.ascontiguousarray(s["frames"][part].swapaxes(0, 1), dtype=np.float32))
        labels = torch.from_numpy(np.ascontiguousarray(s["labels"][part].T).astype(np.int64))
        cue = torch.zeros(images.shape[0], batch_size, TASKS)
        cue[:, torch.arange(batch_size), torch.from_numpy(s["task"][part].astype(np.int64))] = 1
        out.append({"images": images, "labels": labels, "cue": cue})
    return out


def timed(fn, steps: int) -> float:
    """Seconds per call of fn(k) over `steps` calls after one warm-up call."""
    fn(0)
    start = time.perf_counter()
    for k in range(1, steps + 1):
        fn(k)
    return (time.perf_counter() - start) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cnn", required=True, help="the perceptual CNN (rnnscope nback pretrain --out FILE)")
    ap.add_argument("--cli", default=os.path.join(ROOT, ".venv/bin/rnnscope"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per repetition")
    ap.add_argument("--archs", default="vanilla,gru,lstm")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    cnn = os.path.abspath(args.cnn)
    archs = args.archs.split(",")
    batch_size = load_config("vanilla")["train"]["batch_size"]
    batches = rendered_batches(args.steps + 1, batch_size)
    load_before = os.getloadavg()[0]
    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, 1 thread, torch {torch.__version__}; "
          f"batch {batch_size}, {batches[0]['images'].shape[0]} frames, {args.steps} steps x {args.reps} reps")
    seconds = {(a, tool): [] for a in archs for tool in ("rnnscope", "pytorch", "pytorch-bank", "pytorch-cnn")}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            for arch in archs:
                seconds[(arch, "rnnscope")].append(rnnscope_step_seconds(args.cli, arch, cnn, args.steps, tmp, rep))
                peer = Peer(arch, cnn, batches)
                seconds[(arch, "pytorch")].append(timed(peer.step, args.steps))
                bank = [peer.features(b["images"]) for b in batches]
                seconds[(arch, "pytorch-bank")].append(timed(lambda k: peer.step(k, bank), args.steps))
                seconds[(arch, "pytorch-cnn")].append(timed(lambda k: peer.features(batches[k % len(batches)]["images"]),
                                                            args.steps))
    print(f"# load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("| architecture | tool | median ms per step | runs (ms) | time / rnnscope's |")
    print("|---|---|---:|---|---:|")
    for arch in archs:
        ours = statistics.median(seconds[(arch, "rnnscope")])
        for tool in ("rnnscope", "pytorch", "pytorch-bank", "pytorch-cnn"):
            runs = seconds[(arch, tool)]
            med = statistics.median(runs)
            print(f"| {arch} | {tool} | {med * 1e3:.1f} | {', '.join(f'{r * 1e3:.1f}' for r in runs)} | "
                  f"{med / ours:.2f}× |")


if __name__ == "__main__":
    main()
