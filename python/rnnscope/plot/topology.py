"""Figures of persistent homology (``rnnscope.ph`` / ``rnnscope ph --out``) and of RTD
(``rnnscope rtd --out``): persistence diagrams, barcodes, RTD per trial (docs/topology.md)."""

from __future__ import annotations

import numpy as np

from ._figure import axes, evenly, pyplot


def _finite_top(bars: list[np.ndarray]) -> float:
    """Where bars that never die are drawn: a little above the largest finite value."""
    finite = [b[np.isfinite(b)] for b in bars if len(b)]
    top = max((float(f.max()) for f in finite if len(f)), default=1.0)
    return top * 1.05 if top > 0 else 1.0


def persistence_diagram(bars, ax=None):
    """Birth against death of every bar, one colour per homology dimension; bars that never
    die sit on the dashed line marked ∞. ``bars``: what ``ph`` returns (one [k, 2] array per
    dimension)."""
    bars = [np.asarray(b, dtype=np.float64).reshape(-1, 2) for b in bars]
    ax = axes(ax, (4.5, 4.5))
    top = _finite_top(bars)
    ax.plot([0, top], [0, top], color="0.6", linewidth=0.8)
    ax.axhline(top, color="0.6", linestyle="--", linewidth=0.8)
    ax.text(0, top, "∞", va="bottom", fontsize=9)
    for d, b in enumerate(bars):
        ax.plot(b[:, 0], np.where(np.isfinite(b[:, 1]), b[:, 1], top), "o", color=f"C{d % 10}", markersize=3,
                alpha=0.7, label=f"H{d} ({len(b)})")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_xlim(-0.02 * top, top * 1.02)
    ax.set_ylim(-0.02 * top, top * 1.08)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def barcode(bars, max_bars: int = 200):
    """One panel per homology dimension: every bar as a horizontal segment from birth to death,
    longest at the bottom; bars that never die run to the right edge with an arrow. Of more
    than ``max_bars`` bars in a dimension, the ``max_bars`` longest are drawn."""
    bars = [np.asarray(b, dtype=np.float64).reshape(-1, 2) for b in bars]
    fig, panels = pyplot().subplots(1, len(bars), figsize=(4 * len(bars), 3.5), layout="constrained", squeeze=False)
    top = _finite_top(bars)
    for d, (ax, b) in enumerate(zip(panels[0], bars)):
        death = np.where(np.isfinite(b[:, 1]), b[:, 1], top)
        longest = np.argsort(b[:, 0] - death, kind="stable")[:max_bars]
        ax.hlines(np.arange(len(longest)), b[longest, 0], death[longest], color=f"C{d % 10}", linewidth=1.5)
        endless = np.flatnonzero(~np.isfinite(b[longest, 1]))
        ax.plot(np.full(len(endless), top), endless, ">", color=f"C{d % 10}", markersize=4)
        shown = f"{len(longest)} longest of {len(b)}" if len(longest) < len(b) else f"{len(b)}"
        ax.set_title(f"H{d}: {shown} bars", fontsize=9)
        ax.set_xlim(0, top * 1.03)
        ax.set_xlabel("filtration value")
        ax.set_yticks([])
    return fig


def rtd_trials(record: dict, ax=None):
    """RTD of each random subset (trial): the score and, when symmetric, its two directions
    RTD(P, Q) and RTD(Q, P), with the mean over trials — the reported score — as a line.
    ``record``: an ``rnnscope rtd --out`` file read into a dict (``trial_scores``,
    ``trial_forward``, ``trial_backward``, ``score``)."""
    ax = axes(ax, (6, 3.5))
    scores = np.asarray(record["trial_scores"])
    trials = np.arange(len(scores))
    ax.plot(trials, scores, "o-", color="C0", label="RTD of the trial")
    if record.get("symmetric", True) and "trial_forward" in record:
        ax.plot(trials, record["trial_forward"], "^", color="C1", markersize=4, label="RTD(P, Q)")
        ax.plot(trials, record["trial_backward"], "v", color="C2", markersize=4, label="RTD(Q, P)")
    ax.axhline(float(np.ravel(record["score"])[0]), color="C3", linestyle=":", label="score (mean)")
    ax.set_xlabel("trial (random subset)")
    ax.set_ylabel("RTD (H1 bar-length sum)")
    ax.set_xticks(trials[evenly(len(trials), 20)])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return ax
