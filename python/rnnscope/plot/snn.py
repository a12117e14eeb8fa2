"""The ``snn-topology`` experiment's claim (docs/snn.md "The experiment"): networks trained with
heterogeneous STDP represent the same samples differently from networks trained with homogeneous
STDP or surrogate gradients, beyond the differences between seeds of one rule (RTD)."""

from __future__ import annotations

import numpy as np

from ._figure import pyplot


def _texts(values) -> list[str]:
    """Names as str, whether from the Python door (str) or from results.h5 through h5py (bytes)."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def rule_pairs(results: dict) -> tuple[list[str], list[np.ndarray]]:
    """The RTD between the networks of each pair of rules, within a rule first (the seed-to-seed
    control), then across: one label per pair and the RTDs of its pairs of networks of
    different seeds (networks of one seed share wiring and noise whatever their rule, so the
    experiment's means leave those pairs out, as here)."""
    rules = _texts(results["rules"])
    rtd = np.asarray(results["rtd"], dtype=float)  # [rules, seeds, rules, seeds]
    seeds = rtd.shape[1]
    other = ~np.eye(seeds, dtype=bool)
    pairs = [(a, a) for a in range(len(rules))] + [(a, b) for a in range(len(rules)) for b in range(a + 1, len(rules))]
    labels, values = [], []
    for a, b in pairs:
        block = rtd[a, :, b, :]
        # Within a rule each unordered pair once (the block is symmetric); across, every ordered one.
        chosen = block[np.triu(other, 1)] if a == b else block[other]
        labels.append(rules[a] if a == b else f"{rules[a]}\nvs {rules[b]}")
        values.append(chosen[np.isfinite(chosen)])
    return labels, values


def snn_topology(results: dict):
    """Three panels: test accuracy per rule (a dot per seed, the median as a bar); the RTD
    between every two networks (rules × seeds, rule blocks outlined); and the within-rule
    against between-rule RTD (a dot per pair of networks of different seeds, the mean as a
    bar). ``results``: ``rnnscope.experiment("snn-topology", ...)`` or its results.h5 read
    into a dict."""
    rules = _texts(results["rules"])
    accuracy = np.asarray(results["test_accuracy"], dtype=float)  # [rules, seeds]
    rtd = np.asarray(results["rtd"], dtype=float)
    n_rules, seeds = accuracy.shape
    fig, (acc_ax, map_ax, pair_ax) = pyplot().subplots(
        1, 3, figsize=(13, 4.2), layout="constrained", gridspec_kw={"width_ratios": [0.8, 1.1, 1.4]})

    x = np.arange(n_rules)
    spread = np.linspace(-0.15, 0.15, seeds) if seeds > 1 else np.zeros(1)
    for r in range(n_rules):
        acc_ax.bar(r, np.median(accuracy[r]), width=0.6, color=f"C{r}", alpha=0.35)
        acc_ax.plot(r + spread, accuracy[r], "o", color=f"C{r}", markersize=4)
    acc_ax.set_xticks(x)
    acc_ax.set_xticklabels(rules, rotation=30, ha="right", fontsize=8)
    acc_ax.set_ylabel("test accuracy (a dot per seed)")
    acc_ax.set_ylim(0, 1.02)
    acc_ax.set_title("readout of each network", fontsize=9)

    flat = rtd.reshape(n_rules * seeds, n_rules * seeds)
    image = map_ax.imshow(flat, cmap="viridis")
    for k in range(1, n_rules):
        map_ax.axhline(k * seeds - 0.5, color="white", linewidth=1.5)
        map_ax.axvline(k * seeds - 0.5, color="white", linewidth=1.5)
    centres = np.arange(n_rules) * seeds + (seeds - 1) / 2
    map_ax.set_xticks(centres)
    map_ax.set_xticklabels(rules, fontsize=8)
    map_ax.set_yticks(centres)
    map_ax.set_yticklabels(rules, fontsize=8, rotation=90, va="center")
    map_ax.set_xlabel("network (rule × seed)")
    map_ax.set_ylabel("network (rule × seed)")
    map_ax.set_title("RTD, mean over layers", fontsize=9)
    fig.colorbar(image, ax=map_ax, shrink=0.8, label="RTD")

    labels, values = rule_pairs(results)
    for k, v in enumerate(values):
        within = k < n_rules
        colour = f"C{k}" if within else "0.4"
        if v.size:
            pair_ax.bar(k, v.mean(), width=0.6, color=colour, alpha=0.35)
            pair_ax.plot(k + np.linspace(-0.2, 0.2, v.size), v, "o", color=colour, markersize=3)
    pair_ax.axvline(n_rules - 0.5, color="0.6", linestyle=":", linewidth=1)
    pair_ax.set_xticks(np.arange(len(labels)))
    pair_ax.set_xticklabels(labels, fontsize=7)
    pair_ax.set_ylabel("RTD between networks of different seeds")
    pair_ax.set_title("within a rule (control) | between rules", fontsize=9)
    return fig
