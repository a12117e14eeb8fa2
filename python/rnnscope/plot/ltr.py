"""Figures of low-tensor-rank fits (fit-ltr, the reach generator) and of the ``ltr``
experiment's two claims (Pellegrino, Cayco-Gajic & Chadwick 2023; docs/ltr.md)."""

from __future__ import annotations

import os

import numpy as np

from ._figure import axes, pyplot


def _fit_arrays(fit) -> dict:
    """A fit as ``fit_ltr`` returns it, or a fit-ltr output directory (fit.h5, rank_selection.h5)."""
    if isinstance(fit, dict):
        return fit
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
    f = _fit_arrays(fit)
    if "ranks" not in f:
        raise ValueError("this fit has no rank selection: fit with several ranks (fit_ltr(..., ranks=[1, 2, 3]))")
    ax = axes(ax, (4.5, 3.5))
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
    f = _fit_arrays(fit)
    info = trial_info if trial_info is not None else f.get("trial_info", {})
    ax = axes(ax, (6, 3.5))
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
    info = recordings["trial_info"]
    ax = axes(ax, (6, 3))
    error = np.asarray(info["endpoint_error_deg"])
    ax.plot(np.arange(len(error)), error, ".-", color="C0", linewidth=0.8)
    ax.axhline(0, color="0.5", linewidth=0.8)
    if "block" in info:
        _shade_blocks(ax, info["block"])
    ax.set_xlabel("trial")
    ax.set_ylabel("endpoint error (deg)")
    return ax


def ltr_planted_recovery(results: dict):
    """The ``ltr`` experiment's first claim: fit-ltr recovers the rank planted in synthetic
    recordings. Left, each synthetic set's held-out NMSE against the fitted rank (coloured by
    its planted rank, its chosen rank ringed); right, recovered against planted rank with the
    identity line. ``results``: ``rnnscope.experiment("ltr", ...)`` or its results.h5 read
    into a dict."""
    fig, (curves, recovery) = pyplot().subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    planted, recovered = np.asarray(results["planted_rank"]), np.asarray(results["recovered_rank"])
    ranks = np.asarray(results["heldout_ranks"])
    for i, (p, r) in enumerate(zip(planted, recovered)):
        colour = f"C{(int(p) - 1) % 10}"
        nmse = np.asarray(results["heldout_nmse"])[i]
        curves.plot(ranks, nmse, "o-", color=colour, markersize=3,
                    label=f"planted rank {p}" if i == list(planted).index(p) else None)
        curves.plot([r], nmse[list(ranks).index(r)], "o", markersize=10, markerfacecolor="none", color=colour)
    curves.set_xticks(ranks)
    curves.set_xlabel("fitted rank")
    curves.set_ylabel("held-out NMSE")
    curves.set_yscale("log")
    curves.legend(fontsize=8, title="ring: chosen rank", title_fontsize=8)
    # Sets with the same (planted, recovered) pair are spread sideways so every one is seen.
    offsets = np.zeros(len(planted))
    for key in set(zip(planted, recovered)):
        same = [i for i, pair in enumerate(zip(planted, recovered)) if pair == key]
        offsets[same] = np.linspace(-0.1, 0.1, len(same)) if len(same) > 1 else 0
    recovery.plot(planted + offsets, recovered, "o", color="C0", label="synthetic set")
    span = [min(planted.min(), recovered.min()) - 0.5, max(planted.max(), recovered.max()) + 0.5]
    recovery.plot(span, span, ":", color="0.5", label="recovered = planted")
    recovery.set_xlabel("planted rank")
    recovery.set_ylabel("recovered rank")
    recovery.set_xticks(np.unique(planted))
    recovery.legend(fontsize=8)
    return fig


def ltr_learning_rank(results: dict):
    """The ``ltr`` experiment's second claim, on a task-trained network adapting to a rotation:
    its behaviour (endpoint error per trial, blocks shaded), fit-ltr's rank curve on its
    recorded rates, and the CP relative error of its recurrent weight changes (per-trial
    updates and cumulative changes) against CP rank. ``results`` as ``ltr_planted_recovery``."""
    fig, (behaviour, selection, weights) = pyplot().subplots(1, 3, figsize=(13, 3.5), layout="constrained")
    reach_behaviour({"trial_info": {"endpoint_error_deg": results["reach_endpoint_error_deg"],
                                    "block": results["reach_block"]}}, ax=behaviour)
    rank_selection({"ranks": results["reach_ranks"], "heldout_nmse": results["reach_heldout_nmse"],
                    "pca_unexplained": results["reach_pca_unexplained"], "rank": int(results["reach_chosen_rank"])},
                   ax=selection)
    ranks = results["learning_ranks"]
    weights.plot(ranks, results["learning_cp_error"], "o-", color="C0", label="updates W_k − W_{k−1}")
    weights.plot(ranks, results["learning_cumulative_cp_error"], "s-", color="C2", label="cumulative W_k − W_0")
    weights.set_xticks(ranks)
    weights.set_xlabel("CP rank")
    weights.set_ylabel("CP relative error")
    weights.set_ylim(0, 1.02)
    weights.legend(fontsize=8)
    return fig
