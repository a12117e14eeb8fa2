"""The ``long-deps`` experiment's claim (Soo, Goudar & Wang 2023; docs/long_deps.md): steps
to criterion of plain CTRNNs against skip connections through time (SCTT), dynamics-aligned
skips (DASC) and coarsened discretisation (CD), with GRU and LSTM as the reference."""

from __future__ import annotations

import numpy as np

from ._figure import pyplot


def _texts(values) -> list[str]:
    """Names as str, whether from the Python door (str) or from results.h5 through h5py (bytes)."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def long_deps_steps(results: dict):
    """Steps to criterion per task (one panel each) and method: every network as a dot (a CTRNN
    run's replica, a gated run's seed), the median as a bar; a network that never reached
    criterion is an ``x`` at the task's budget.
    ``results``: ``rnnscope.experiment("long-deps", ...)`` or its results.h5 read into a dict."""
    methods, tasks = _texts(results["methods"]), _texts(results["tasks"])
    steps = np.asarray(results["steps_to_criterion"], dtype=float)  # [methods, tasks, networks]
    budgets = np.asarray(results["budget_steps"])
    columns = min(len(tasks), 5)
    rows = -(-len(tasks) // columns)
    fig, axs = pyplot().subplots(rows, columns, figsize=(2.6 * columns + 1, 2.8 * rows), layout="constrained",
                                 squeeze=False, sharey=True)
    x = np.arange(len(methods))
    for t, task in enumerate(tasks):
        ax = axs.flat[t]
        for m in range(len(methods)):
            runs = steps[m, t]
            reached = np.isfinite(runs)
            spread = np.linspace(-0.15, 0.15, len(runs)) if len(runs) > 1 else np.zeros(1)
            if reached.any():
                ax.bar(m, np.median(runs[reached]), width=0.6, color=f"C{m}", alpha=0.35)
            ax.plot(m + spread[reached], runs[reached], "o", color=f"C{m}", markersize=3)
            ax.plot(m + spread[~reached], np.full((~reached).sum(), budgets[t]), "x", color=f"C{m}", markersize=5)
        ax.axhline(budgets[t], color="0.6", linestyle=":", linewidth=1)
        ax.set_title(task, fontsize=9)
        ax.set_xticks(x)
        ax.set_xticklabels(methods, rotation=60, ha="right", fontsize=7)
        if t % columns == 0:
            ax.set_ylabel("optimiser steps to criterion")
    for ax in list(axs.flat)[len(tasks):]:
        ax.set_visible(False)
    # One legend for the markers, in the first panel.
    first = axs.flat[0]
    first.plot([], [], "o", color="0.3", markersize=3, label="a network")
    first.plot([], [], "x", color="0.3", label="not reached (at budget)")
    first.bar([], [], color="0.3", alpha=0.35, label="median of reached")
    first.legend(fontsize=7, loc="upper left")
    return fig
