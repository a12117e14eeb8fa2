"""Plots people would rather look at than read (matplotlib, imported on first use)."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def learning_curve(run: dict, ax=None):
    """Evaluation accuracy (left axis) and loss (right axis, log scale) against optimiser
    steps, from ``load_run(dir)``; each evaluation is a marker, so a run evaluated once still
    shows its point."""
    plt = _pyplot()
    history = run["history"]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    steps = np.atleast_1d(history["step"])
    accuracy = np.atleast_1d(history["accuracy"])
    lines = []
    if (accuracy >= 0).any():  # -1: an objective without accuracy
        lines += ax.plot(steps, accuracy, "o-", color="C0", markersize=3, label="accuracy")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("accuracy", color="C0")
    ax.set_ylim(0, 1.02)
    twin = ax.twinx()
    lines += twin.plot(steps, history["loss"], "s-", color="C1", markersize=3, label="evaluation loss")
    twin.set_ylabel("loss", color="C1")
    twin.set_yscale("log")
    if len(steps) == 1:
        ax.set_xlim(steps[0] - 1, steps[0] + 1)
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="center right")
    summary = run.get("summary", {})
    ax.set_title(f"{summary.get('task', '')} · {summary.get('model', '')}")
    return ax


def _channel_labels(evaluation: dict, key: str, count: int) -> list[str]:
    names = evaluation.get(key)
    names = names.split(", ") if isinstance(names, str) else []
    return names if len(names) == count else [f"{key.split('_')[0][:-1]} {i}" for i in range(count)]


def trial(evaluation: dict, index: int = 0, ax=None):
    """Inputs, outputs and targets of one evaluated trial (from ``evaluate``), against time in
    ms, with the task's periods shaded and named, and a legend of the channels. Cross-entropy
    outputs are shown as probabilities (softmax of the logits); targets are dashed, and only
    where they count (mask > 0)."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=(7, 4.5), sharex=True, layout="constrained")
    steps = int(evaluation["trial_steps"][index])
    dt = evaluation["dt"]
    t = np.arange(steps) * dt
    outputs = evaluation["outputs"][index, :steps]
    cross_entropy = evaluation.get("loss_kind") == "cross_entropy"
    if cross_entropy:
        e = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        outputs = e / e.sum(axis=1, keepdims=True)
    inputs = evaluation["inputs"][index, :steps]
    for c, name in enumerate(_channel_labels(evaluation, "input_channels", inputs.shape[1])):
        ax[0].plot(t, inputs[:, c], color=f"C{c % 10}", label=name)
    ax[0].set_ylabel("input")
    counted = evaluation["mask"][index, :steps] > 0
    targets = np.where(counted[:, None], evaluation["targets"][index, :steps], np.nan)
    for c, name in enumerate(_channel_labels(evaluation, "output_channels", outputs.shape[1])):
        ax[1].plot(t, outputs[:, c], color=f"C{c % 10}", label=name)
        ax[1].plot(t, targets[:, c], color=f"C{c % 10}", linestyle="--", linewidth=1)
    ax[1].set_ylabel("output probability" if cross_entropy else "output")
    ax[1].set_xlabel("time (ms)")
    for a in ax:
        a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), title_fontsize=7,
                 title=None if a is ax[0] else "-- target")
    periods = [(name, *(np.asarray(bounds[index]) * dt)) for name, bounds in evaluation["periods"].items()]
    periods = [(name, start, end) for name, start, end in periods if end > start]
    # Periods: shaded alternately and named above the plot; a name wider than its period goes
    # on one of two staggered rows, so that neighbouring names never overlap.
    renderer = ax[0].figure.canvas.get_renderer()
    data_per_pixel = np.diff(ax[0].get_xlim())[0] / max(ax[0].get_window_extent(renderer).width, 1.0)
    narrow = 0
    for k, (name, start, end) in enumerate(periods):
        for a in ax:
            a.axvspan(start, end, color="0.9" if k % 2 else "0.97", zorder=-1)
        label = ax[0].text((start + end) / 2, 1.02, name, transform=ax[0].get_xaxis_transform(), ha="center",
                           va="bottom", fontsize=7)
        if label.get_window_extent(renderer).width * data_per_pixel > end - start:
            narrow += 1
            label.set_y(1.02 + 0.11 * (1 + narrow % 2))
    return ax


def _fit_arrays(fit) -> dict:
    """A fit as ``fit_ltr`` returns it, or a fit-ltr output directory (fit.h5, rank_selection.h5)."""
    if isinstance(fit, dict):
        return fit
    import os

    import h5py

    out = {}
    with h5py.File(os.path.join(os.fspath(fit), "fit.h5")) as f:
        out["c"] = f["c"][:]
        out["rank"] = int(f.attrs["rank"])
        if "trial_info" in f:
            out["trial_info"] = {name: f["trial_info"][name][:] for name in f["trial_info"]}
    selection = os.path.join(os.fspath(fit), "rank_selection.h5")
    if os.path.exists(selection):
        with h5py.File(selection) as f:
            out["ranks"], out["heldout_nmse"] = f["ranks"][:], f["heldout_nmse"][:]
            out["pca_unexplained"] = f["pca_unexplained"][:]
    return out


def rank_selection(fit, ax=None):
    """fit-ltr's cross-validated rank curve: held-out NMSE per rank (mean and each seed), PCA's
    unexplained variance at the same ranks for reference, the chosen rank marked. ``fit``: what
    ``fit_ltr(..., ranks=...)`` returns, or a fit-ltr output directory."""
    plt = _pyplot()
    f = _fit_arrays(fit)
    if "ranks" not in f:
        raise ValueError("this fit has no rank selection: fit with several ranks (ranks=[...] / --ranks 1..R)")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.5), layout="constrained")
    ranks, heldout = f["ranks"], np.atleast_2d(f["heldout_nmse"].T).T
    for s in range(heldout.shape[1]):
        ax.plot(ranks, heldout[:, s], "o", color="C0", alpha=0.35, markersize=4,
                label="held-out, each seed" if s == 0 else None)
    ax.plot(ranks, heldout.mean(axis=1), "-o", color="C0", label="ltrRNN held-out NMSE")
    ax.plot(ranks, f["pca_unexplained"], "--s", color="0.5", markersize=4, label="PCA unexplained variance")
    ax.axvline(f["rank"], color="C3", linestyle=":", label=f"chosen rank {f['rank']}")
    ax.set_xticks(ranks)
    ax.set_xlabel("tensor rank R")
    ax.set_ylabel("normalised error")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return ax


_BLOCK_NAMES = {0: "baseline", 1: "perturbed", 2: "washout"}


def _shade_blocks(ax, block) -> None:
    """Alternate shading of runs of equal block labels over trials, each named above the axes."""
    block = np.asarray(block)
    changes = np.flatnonzero(np.diff(block)) + 1
    for k, (start, end) in enumerate(zip(np.r_[0, changes], np.r_[changes, len(block)])):
        ax.axvspan(start - 0.5, end - 0.5, color="0.92" if k % 2 else "0.98", zorder=-1)
        ax.text((start + end - 1) / 2, 1.01, _BLOCK_NAMES.get(int(block[start]), f"block {int(block[start])}"),
                transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8)


def trial_factors(fit, trial_info: dict | None = None, ax=None):
    """The fitted trial factors c_k (one line per component) against trial, with the blocks of
    ``trial_info["block"]`` shaded (the reach generator's baseline / perturbed / washout).
    ``fit``: what ``fit_ltr`` returns, or a fit-ltr output directory (its carried-through
    trial_info is used when none is given)."""
    plt = _pyplot()
    f = _fit_arrays(fit)
    info = trial_info if trial_info is not None else f.get("trial_info", {})
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    c = np.asarray(f["c"])
    trials = np.arange(c.shape[0])
    for r in range(c.shape[1]):
        ax.plot(trials, c[:, r], color=f"C{r}", label=f"component {r + 1}")
    if "block" in info:
        _shade_blocks(ax, info["block"])
    ax.set_xlabel("trial")
    ax.set_ylabel("trial factor c")
    ax.legend(fontsize=8, ncols=min(4, c.shape[1]))
    return ax


def reach_behaviour(recordings: dict, ax=None):
    """The reach generator's behaviour: the cursor's endpoint direction error per trial (deg),
    blocks shaded — adaptation to the rotation and the washout after-effect. ``recordings``:
    what ``synth_reach`` returns."""
    plt = _pyplot()
    info = recordings["trial_info"]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    error = np.asarray(info["endpoint_error_deg"])
    ax.plot(np.arange(len(error)), error, ".-", color="C0", linewidth=0.8)
    ax.axhline(0, color="0.5", linewidth=0.8)
    if "block" in info:
        _shade_blocks(ax, info["block"])
    ax.set_xlabel("trial")
    ax.set_ylabel("endpoint error (deg)")
    return ax
