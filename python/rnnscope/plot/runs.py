"""Figures of a training run (``load_run``) and of evaluated trials (``evaluate`` or an
``rnnscope eval`` file): learning curves, example trials, psychometric curves, the recurrent
weights and state trajectories in PCA space."""

from __future__ import annotations

import numpy as np

from ._figure import axes, categorical, evenly, pyplot

_CLOCKS = {"step": "optimiser step", "wall_seconds": "wall time (s)"}


def _per_replica(values, evaluations: int) -> np.ndarray:
    """A history metric as [evaluations, replicas]: one column for a single network."""
    return np.asarray(values, dtype=np.float64).reshape(evaluations, -1)


def _metric_lines(ax, clock, values: np.ndarray, marker: str, color: str, label: str) -> list:
    """One network's metric as a line with a marker at each evaluation; K replicas' as K thin
    lines and their mean with the markers (the line the legend names)."""
    replicas = values.shape[1]
    if replicas == 1:
        return ax.plot(clock, values[:, 0], marker + "-", color=color, markersize=3, label=label)
    ax.plot(clock, values, "-", color=color, linewidth=0.6, alpha=0.35)
    return ax.plot(clock, values.mean(axis=1), marker + "-", color=color, markersize=3,
                   label=f"{label} (mean of {replicas}; thin: each replica)")


def learning_curve(run: dict, ax=None, x: str = "step"):
    """Evaluation accuracy (left axis) and loss (right axis, log scale) against optimiser
    steps (``x="step"``) or training wall time (``x="wall_seconds"``), from ``load_run(dir)``;
    each evaluation is a marker, so a run evaluated once still shows its point. A run of K
    replicas (``train.replicas``): each replica a thin line, their mean the marked one."""
    if x not in _CLOCKS:
        raise ValueError(f"x must be one of {list(_CLOCKS)}, got {x!r}")
    history = run["history"]
    ax = axes(ax, (6, 3.5))
    clock = np.atleast_1d(history[x])
    accuracy = _per_replica(history["accuracy"], len(clock))
    lines = []
    if (accuracy >= 0).any():  # -1: an objective without accuracy
        lines += _metric_lines(ax, clock, accuracy, "o", "C0", "accuracy")
    ax.set_xlabel(_CLOCKS[x])
    ax.locator_params(axis="x", nbins=6)  # wall times in ms would otherwise print as a crowd of long labels
    ax.set_ylabel("accuracy", color="C0")
    ax.set_ylim(0, 1.02)
    twin = ax.twinx()
    lines += _metric_lines(twin, clock, _per_replica(history["loss"], len(clock)), "s", "C1", "evaluation loss")
    twin.set_ylabel("loss", color="C1")
    twin.set_yscale("log")
    if len(clock) == 1:
        ax.set_xlim(clock[0] - 1, clock[0] + 1)
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="center right")
    summary = run.get("summary", {})
    ax.set_title(f"{summary.get('task', '')} · {summary.get('model', '')}")
    return ax


def _channel_labels(evaluation: dict, key: str, count: int) -> list[str]:
    names = evaluation.get(key)
    names = names.split(", ") if isinstance(names, str) else []
    return names if len(names) == count else [f"{key.split('_')[0][:-1]} {i}" for i in range(count)]


def trial(evaluation: dict, index: int = 0, ax=None, legend: bool = True):
    """Inputs, outputs and targets of one evaluated trial (from ``evaluate``), against time in
    ms, with the task's periods shaded and named, and (``legend``) a legend of the channels.
    Cross-entropy outputs are shown as probabilities (softmax of the logits); targets are
    dashed, and only where they count (mask > 0). ``ax``: two axes (inputs, outputs)."""
    if ax is None:
        _, ax = pyplot().subplots(2, 1, figsize=(7, 4.5), sharex=True, layout="constrained")
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
    if legend:
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



def learning_curves(run: dict):
    """``learning_curve`` twice, side by side: against optimiser steps and against training
    wall time (``history.h5``'s ``/wall_seconds``)."""
    fig, panels = pyplot().subplots(1, 2, figsize=(11, 3.5), layout="constrained")
    for ax, x in zip(panels, _CLOCKS):
        learning_curve(run, ax=ax, x=x)
    return fig


def _condition_text(evaluation: dict, index: int) -> str:
    return ", ".join(f"{name} {float(values[index]):g}" for name, values in sorted(evaluation["conditions"].items()))


def example_trials(evaluation: dict, indices=(0, 1, 2)):
    """``trial`` for several trials, one above the other at full width (so the names of short
    periods keep their room), each titled with its conditions; the channel legend once, on
    the first."""
    indices = [i for i in indices if i < len(evaluation["trial_steps"])]
    fig = pyplot().figure(figsize=(10, 3.4 * len(indices)), layout="constrained")
    rows = np.atleast_1d(fig.subfigures(len(indices), 1))
    for k, (row, index) in enumerate(zip(rows, indices)):
        ax = row.subplots(2, 1, sharex=True)
        trial(evaluation, index=index, ax=ax, legend=k == 0)
        row.suptitle(f"trial {index}: {_condition_text(evaluation, index)}", fontsize=9, x=0.02, ha="left")
    return fig


def psychometric_conditions(evaluation: dict, limit: int = 12) -> list[str]:
    """The conditions a psychometric curve is drawn against: those of a decision task (a
    cross-entropy objective: each trial ends in a choice) that take at most ``limit`` values."""
    if evaluation.get("loss_kind") != "cross_entropy":
        return []
    return [name for name, values in sorted(evaluation["conditions"].items()) if categorical(np.asarray(values), limit)]


def psychometric(evaluation: dict, max_panels: int = 6):
    """Accuracy (fraction of correct choices, with its binomial standard error) against each
    condition of a decision task (``psychometric_conditions``), e.g. against the stimulus
    coherence of perceptual_dm; at most ``max_panels`` panels."""
    names = psychometric_conditions(evaluation)[:max_panels]
    if not names:
        raise ValueError("no psychometric curve: a decision task (cross_entropy) with a condition of few values is needed")
    fig, panels = pyplot().subplots(1, len(names), figsize=(3.2 * len(names), 3), layout="constrained", squeeze=False)
    correct = np.asarray(evaluation["correct"], dtype=np.float64)
    for ax, name in zip(panels[0], names):
        condition = np.asarray(evaluation["conditions"][name])
        values = np.unique(condition)
        p = np.array([correct[condition == v].mean() for v in values])
        n = np.array([(condition == v).sum() for v in values])
        ax.errorbar(values, p, yerr=np.sqrt(p * (1 - p) / n), fmt="o-", color="C0", capsize=2, markersize=4)
        ax.set_xlabel(name)
        ax.set_ylim(-0.02, 1.02)
    panels[0][0].set_ylabel("accuracy")
    return fig


def recurrent_weights(run: dict, ax=None):
    """The recurrent weight matrix of ``load_run(dir)``'s ``model.h5`` as an image (rows: to,
    columns: from; diverging colours centred on zero): ``W_rec`` with Dale signs applied for
    a CTRNN, ``W_hh`` with its gate blocks marked for a GRU or LSTM."""
    model = run["model"]
    name = "W_rec" if "W_rec" in model else "W_hh"
    w = np.asarray(model[name])
    ax = axes(ax, (5, 4.5))
    limit = float(np.abs(w).max()) or 1.0
    image = ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest", aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="weight")
    gates = str(run.get("model_attrs", {}).get("gate_order", "")).replace(",", " ").split()
    if name == "W_hh" and gates:
        units = w.shape[1]
        for g in range(1, len(gates)):
            ax.axhline(g * units - 0.5, color="k", linewidth=0.8)
        ax.set_yticks([(g + 0.5) * units - 0.5 for g in range(len(gates))], gates)
    ax.set_xlabel("from unit")
    ax.set_ylabel("to unit" if name == "W_rec" else "to gate (a block of units each)")
    ax.set_title(f"{name} [{w.shape[0]} × {w.shape[1]}]", fontsize=9)
    return ax


def trajectory_condition(evaluation: dict) -> str:
    """The condition trajectories are coloured by: the task's label (``ground_truth``) when it
    has one, else its first condition by name."""
    names = sorted(evaluation["conditions"])
    return "ground_truth" if "ground_truth" in names else names[0]


def state_trajectories(evaluation: dict, ax=None, colour_by: str | None = None, max_trials: int = 60):
    """Network states of evaluated trials in the space of their top three principal components
    (fitted on every time step of every trial, up to each trial's length), one line per
    trial coloured by a condition (``trajectory_condition`` by default), its start marked.
    At most ``max_trials`` trials are drawn, evenly spaced over the trials. ``ax``: 3-D axes."""
    states = np.asarray(evaluation["states"])
    lengths = np.asarray(evaluation["trial_steps"], dtype=np.int64)
    valid = np.arange(states.shape[1])[None, :] < lengths[:, None]
    points = states[valid]
    mean = points.mean(axis=0, dtype=np.float64)
    # PCA from the units x units covariance: the state count (trials x steps) is far larger
    # than the unit count, so this is the cheap side of the SVD. Centred in the states' own
    # precision (float32 from an eval file), which a picture cannot tell from float64, and
    # twice as fast through BLAS as a float64 copy of a 1000-trial eval.
    centred = points - mean.astype(points.dtype)
    # One BLAS thread: on a loaded machine (a test suite on two cores) BLAS's idle threads
    # spin against the work and make this 30x slower; a single thread does it in 0.05 s.
    # Imported here, as matplotlib is: both come with the `plot` extra.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        variances, vectors = np.linalg.eigh((centred.T @ centred).astype(np.float64))
    order = np.argsort(variances)[::-1][:3]
    basis = np.zeros((states.shape[2], 3))
    basis[:, :len(order)] = vectors[:, order]
    explained = np.zeros(3)
    explained[:len(order)] = variances[order] / max(variances.sum(), np.finfo(float).tiny)
    if ax is None:
        ax = pyplot().figure(figsize=(6, 5), layout="constrained").add_subplot(projection="3d")
    colour_by = colour_by or trajectory_condition(evaluation)
    condition = np.asarray(evaluation["conditions"][colour_by], dtype=np.float64)
    values = np.unique(condition)
    discrete = categorical(condition)
    colormap = pyplot().get_cmap("viridis")
    span = float(np.ptp(values)) or 1.0
    labelled = set()
    for i in evenly(len(lengths), max_trials):
        xyz = (states[i, :lengths[i]] - mean) @ basis
        if discrete:
            colour = f"C{int(np.searchsorted(values, condition[i])) % 10}"
        else:
            colour = colormap((condition[i] - values[0]) / span)
        label = f"{colour_by} {condition[i]:g}" if discrete and condition[i] not in labelled else None
        labelled.add(condition[i])
        ax.plot(xyz[:, 0], xyz[:, 1], xyz[:, 2], color=colour, linewidth=0.8, alpha=0.8, label=label)
        ax.plot([xyz[0, 0]], [xyz[0, 1]], [xyz[0, 2]], "o", color=colour, markersize=2)
    for set_label, k in zip((ax.set_xlabel, ax.set_ylabel, ax.set_zlabel), range(3)):
        set_label(f"PC{k + 1} ({100 * explained[k]:.0f}%)", fontsize=8)
    ax.tick_params(labelsize=6)
    if discrete:
        ax.legend(fontsize=7, loc="upper left")
    else:
        mappable = pyplot().cm.ScalarMappable(cmap=colormap, norm=pyplot().Normalize(values[0], values[-1]))
        ax.figure.colorbar(mappable, ax=ax, label=colour_by, shrink=0.6)
    return ax
