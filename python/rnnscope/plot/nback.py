"""The ``nback`` experiment's headline (Lei, Ito & Bashivan 2024; docs/nback.md, "The
experiment"): held-out accuracy per task, cross-task generalisation of the decoders of each
task's own feature, task-irrelevant features against chance, and the orthogonalisation index in
the RNN and the CNN space, per architecture."""

from __future__ import annotations

import numpy as np

from ._figure import pyplot
from .long_deps import _texts


def nback_geometry(results: dict):
    """Four panels per architecture's means over seeds: accuracy per task; the cross-task
    decoding matrices (fitted on the row task, tested on the column task) side by side;
    irrelevant-feature decoding with its chance level; the index O in the RNN and CNN space.
    ``results``: ``rnnscope.experiment("nback", ...)`` or its results.h5 read into a dict."""
    archs, tasks = _texts(results["architectures"]), _texts(results["tasks"])
    mean = lambda name: np.nanmean(np.asarray(results[name], dtype=float), axis=-1)  # noqa: E731 (over seeds)
    accuracy, cross = mean("task_accuracy"), mean("cross_task_generalization")
    irrelevant, chance = mean("irrelevant_feature_decoding"), mean("irrelevant_feature_chance")
    o_rnn, o_cnn = mean("orthogonality_rnn"), mean("orthogonality_cnn")
    fig = pyplot().figure(figsize=(4.2 * len(archs), 7.5), layout="constrained")
    grid = fig.add_gridspec(2, 2 * len(archs), height_ratios=[1.1, 1])
    x = np.arange(len(tasks))
    heatmaps = []
    for a, arch in enumerate(archs):
        ax = fig.add_subplot(grid[0, 2 * a:2 * a + 2])
        image = ax.imshow(cross[a], vmin=0, vmax=1, cmap="viridis")
        ax.set_title(f"{arch}: cross-task decoding", fontsize=9)
        ax.set_xticks(x, tasks, rotation=90, fontsize=6)
        ax.set_yticks(x, tasks, fontsize=6)
        ax.set_xlabel("tested on", fontsize=8)
        if a == 0:
            ax.set_ylabel("fitted on (its own feature)", fontsize=8)
        heatmaps.append(ax)
    fig.colorbar(image, ax=heatmaps, shrink=0.8, label="accuracy")
    bottom = grid[1, :].subgridspec(1, 3, width_ratios=[2.2, 1, 1])
    ax_acc, ax_irr, ax_o = (fig.add_subplot(bottom[0, i]) for i in range(3))
    width = 0.8 / len(archs)
    for a, arch in enumerate(archs):
        ax_acc.bar(x + (a - (len(archs) - 1) / 2) * width, accuracy[a], width, color=f"C{a}", label=arch)
    ax_acc.axhline(0.9, color="0.5", linestyle=":", linewidth=1)
    ax_acc.set_xticks(x, tasks, rotation=60, ha="right", fontsize=7)
    ax_acc.set_ylim(0, 1)
    ax_acc.set_ylabel("held-out accuracy")
    ax_acc.legend(fontsize=7, loc="lower left")
    xa = np.arange(len(archs))
    ax_irr.bar(xa, np.nanmean(irrelevant, axis=1), 0.6, color=[f"C{a}" for a in xa])
    ax_irr.plot(xa, np.nanmean(chance, axis=1), "_", color="k", markersize=20, label="chance")
    ax_irr.set_xticks(xa, archs)
    ax_irr.set_ylim(0, 1)
    ax_irr.set_title("task-irrelevant features", fontsize=9)
    ax_irr.legend(fontsize=7)
    ax_o.bar(xa - 0.2, o_rnn, 0.4, color="C0", label="RNN")
    ax_o.bar(xa + 0.2, o_cnn, 0.4, color="0.6", label="CNN")
    ax_o.set_xticks(xa, archs)
    ax_o.set_ylim(0, 1)
    ax_o.set_title("orthogonalisation index O", fontsize=9)
    ax_o.legend(fontsize=7)
    return fig
