"""Plots people would rather look at than read (matplotlib, imported on first use)."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def learning_curve(run: dict, ax=None):
    """Evaluation loss and accuracy against optimiser steps, from ``load_run(dir)``."""
    plt = _pyplot()
    history = run["history"]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(history["step"], history["accuracy"], color="C0", label="accuracy")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("accuracy", color="C0")
    ax.set_ylim(0, 1.02)
    twin = ax.twinx()
    twin.plot(history["step"], history["loss"], color="C1", label="loss")
    twin.set_ylabel("loss", color="C1")
    twin.set_yscale("log")
    summary = run.get("summary", {})
    ax.set_title(f"{summary.get('task', '')} · {summary.get('model', '')}")
    return ax


def trial(evaluation: dict, index: int = 0, ax=None):
    """Inputs, outputs and targets of one evaluated trial (from ``evaluate``), against
    time in ms, with the task's periods shaded. Cross-entropy outputs are shown as
    probabilities (softmax of the logits)."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=(6, 4), sharex=True)
    steps = int(evaluation["trial_steps"][index])
    t = np.arange(steps) * evaluation["dt"]
    outputs = evaluation["outputs"][index, :steps]
    if evaluation.get("loss") == "cross_entropy":
        e = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        outputs = e / e.sum(axis=1, keepdims=True)
    ax[0].plot(t, evaluation["inputs"][index, :steps])
    ax[0].set_ylabel("inputs")
    ax[1].plot(t, outputs)
    ax[1].set_prop_cycle(None)
    ax[1].plot(t, evaluation["targets"][index, :steps], linestyle="--")
    ax[1].set_ylabel("outputs (-- targets)")
    ax[1].set_xlabel("time (ms)")
    for k, (name, bounds) in enumerate(evaluation["periods"].items()):
        start, end = bounds[index] * evaluation["dt"]
        if end > start:
            for a in ax:
                a.axvspan(start, end, color="0.9" if k % 2 else "0.97", zorder=-1)
            ax[0].text((start + end) / 2, 1.02, name, transform=ax[0].get_xaxis_transform(),
                       ha="center", va="bottom", fontsize=7)
    return ax
