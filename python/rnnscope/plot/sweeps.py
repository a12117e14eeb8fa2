"""Figures of a sweep's results table (``rnnscope.load_sweep``; docs/scaling.md)."""

from __future__ import annotations

import numpy as np

from ._figure import pyplot


def sweep_axis(table, axis: str):
    """Final accuracy and optimiser steps of every finished cell against one axis of the sweep
    (one dot per cell, the mean over cells at each value as a line); a text axis is drawn as
    categories. ``table``: ``load_sweep(dir)`` (a DataFrame or a dict of columns)."""
    done = np.asarray(table["status"]) == "done"
    values = np.asarray(table[axis])[done]
    numeric = values.dtype.kind in "iuf"
    levels = np.unique(values)
    position = values.astype(np.float64) if numeric else np.searchsorted(levels, values).astype(np.float64)
    at = levels.astype(np.float64) if numeric else np.arange(len(levels), dtype=np.float64)
    fig, panels = pyplot().subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for ax, column, label in zip(panels, ("final_accuracy", "steps"), ("final accuracy", "optimiser steps")):
        y = np.asarray(table[column], dtype=np.float64)[done]
        ax.plot(position, y, "o", color="C0", alpha=0.5, markersize=4, label="cell")
        ax.plot(at, [y[values == v].mean() for v in levels], "-", color="C3", label="mean over cells")
        ax.set_xlabel(axis)
        ax.set_ylabel(label)
        if not numeric:
            ax.set_xticks(at, [str(v) for v in levels], fontsize=8)
        elif len(levels) > 2 and levels.min() > 0 and levels.max() / levels.min() >= 100:
            ax.set_xscale("log")  # axes such as learning rates span decades
    panels[0].set_ylim(-0.02, 1.02)
    panels[0].legend(fontsize=8)
    return fig
