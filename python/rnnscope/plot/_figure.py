"""What every figure module shares: matplotlib imported on first use, new figures of one
size policy, and the subsampling rule that keeps large inputs fast to draw."""

from __future__ import annotations

import numpy as np


def pyplot():
    import matplotlib.pyplot as plt

    return plt


def axes(ax, figsize: tuple[float, float]):
    """``ax`` when the caller gives one, else the axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def evenly(count: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` of ``count`` items, evenly spaced (all of them when they
    fit). Figures draw these instead of every trial or bar once more would be a blur a person
    cannot tell apart; the report's caption then says how many are shown."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(np.int64))


def categorical(values: np.ndarray, limit: int = 10) -> bool:
    """Whether ``values`` are few distinct labels (one colour each) rather than a continuum."""
    return len(np.unique(values)) <= limit
