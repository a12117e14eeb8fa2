"""Low tensor rank: fit ltrRNNs to recordings and make synthetic recordings with a known rank.

Both run on the C++ core (the same requests as ``rnnscope fit-ltr`` / ``rnnscope synth-ltr``;
docs/ltr.md). Bad inputs (wrong shapes, NaN, mismatched dimensions) raise ValueError.
"""

from __future__ import annotations

import numpy as np

from . import _core
from ._args import array, boolean, integer, path, real, seed as seed_arg

__all__ = ["fit_ltr", "synth_ltr", "synth_reach"]


def _ranks(rank, ranks) -> list[int]:
    if (rank is None) == (ranks is None):
        raise ValueError("give exactly one of rank= (one fit) or ranks= (cross-validated choice among them)")
    values = [rank] if ranks is None else list(ranks)
    for r in values:
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
            raise ValueError(f"ranks must be integers >= 1, got {r!r}")
    return sorted(int(r) for r in values)


def fit_ltr(activity, *, rank: int | None = None, ranks=None, inputs=None, condition=None, units: int = 200,
            dt_ms: float = 10.0, tau_ms: float = 50.0, substeps: int = 1, lr: float = 1e-3,
            max_iterations: int = 3000, eval_every: int = 25, patience: int = 8, tolerance: float = 1e-3,
            trial_dropout: float = 0.2, state_l2: float = 0.01, held_out_fraction: float = 0.1,
            gp_length_trials: float = 15.0, seeds: int = 1, seed: int = 0, threads: int = 0, out=None,
            force: bool = False) -> dict:
    """Fits a low-tensor-rank RNN to recorded activity.

    Args:
        activity: ``[trials, time, neurons]`` (z-scored per neuron inside; results are in
            the data's units).
        rank: one tensor rank R; or ``ranks``: several, cross-validated on held-out
            (trial, time, neuron) blocks; the elbow of the held-out curve (the smallest rank
            within 5% of the improvement from the lowest rank to the best, or within 5% of
            the best error) is chosen and refitted on all data.
        inputs: optional ``[trials, time, n_in]``; condition: optional ``[trials]`` integers
            (trials of a condition share their initial state).
        out: also write a run directory (config.toml, summary.json, history.h5, fit.h5,
            rank_selection.h5), as ``rnnscope fit-ltr --out`` does.

    Returns:
        dict with ``a``, ``b`` ``[N, R]`` (unit columns), ``c`` ``[trials, R]`` (trial
        factors), ``readout`` ``[neurons, N]``, ``fitted_activity``,
        ``variance_explained_neuron``, ``variance_explained_trial``, ``variance_explained``,
        ``rank``; with ``ranks`` also ``ranks``, ``heldout_nmse [ranks, seeds]`` and
        ``pca_unexplained [ranks]``; ``summary``.
    """
    return _core.fit_ltr(array(activity, "activity"), ranks=_ranks(rank, ranks),
                         inputs=None if inputs is None else array(inputs, "inputs"),
                         condition=None if condition is None else array(condition, "condition"),
                         units=integer(units, "units"), dt_ms=real(dt_ms, "dt_ms"), tau_ms=real(tau_ms, "tau_ms"),
                         substeps=integer(substeps, "substeps"), lr=real(lr, "lr"),
                         max_iterations=integer(max_iterations, "max_iterations"),
                         eval_every=integer(eval_every, "eval_every"), patience=integer(patience, "patience"),
                         tolerance=real(tolerance, "tolerance"), trial_dropout=real(trial_dropout, "trial_dropout"), state_l2=real(state_l2, "state_l2"),
                         held_out_fraction=real(held_out_fraction, "held_out_fraction"), gp_length_trials=real(gp_length_trials, "gp_length_trials"),
                         seeds=integer(seeds, "seeds"), seed=seed_arg(seed),
                         threads=integer(threads, "threads", minimum=0), out=path(out), force=boolean(force, "force"))


def synth_ltr(*, rank: int = 2, units: int = 50, neurons: int = 40, trials: int = 120, steps: int = 41,
              conditions: int = 4, dt_ms: float = 10.0, tau_ms: float = 50.0, noise: float = 0.05,
              learning_change: float = 1.0, seed: int = 0, out=None, force: bool = False) -> dict:
    """Synthetic recordings of a teacher ltrRNN with planted rank (``rnnscope synth-ltr``).

    Returns:
        dict with ``activity [trials, steps, neurons]``, ``inputs``, ``condition``, ``times``
        and ``truth`` (``a``, ``b``, ``c``, ``readout``, ``rank``); ``out`` also writes the
        recordings file that ``fit_ltr``/``rnnscope fit-ltr`` read.
    """
    return _core.synth_ltr(rank=integer(rank, "rank"), units=integer(units, "units"), neurons=integer(neurons, "neurons"),
                           trials=integer(trials, "trials"), steps=integer(steps, "steps"),
                           conditions=integer(conditions, "conditions"), dt_ms=real(dt_ms, "dt_ms"), tau_ms=real(tau_ms, "tau_ms"),
                           noise=real(noise, "noise"), learning_change=real(learning_change, "learning_change"),
                           seed=seed_arg(seed), out=path(out), force=boolean(force, "force"))


def synth_reach(*, units: int = 64, neurons: int = 64, targets: int = 8, rotation_deg: float = 30.0,
                baseline: int = 40, perturbed: int = 120, washout: int = 80, pretrain_steps: int = 3000,
                adapt_lr: float = 0.05, noise: float = 0.05, seed: int = 0, threads: int = 0, out=None,
                force: bool = False) -> dict:
    """Recordings of a task-trained network that learns (``rnnscope synth-ltr --generator reach``).

    A CTRNN of ``units`` units is trained on ``centre_out_reach`` to the task's criterion, then
    adapts trial by trial (plain gradient descent, step ``adapt_lr``) across ``baseline``
    trials without rotation, ``perturbed`` trials under a ``rotation_deg`` visuomotor rotation
    and ``washout`` trials without; trial k reaches to target k mod ``targets``. The rates of
    its first ``neurons`` units on every trial, plus observation noise, are the recordings.

    Returns:
        dict with ``activity [trials, steps, neurons]``, ``inputs``, ``condition`` (the
        target), ``times``, ``trial_info`` (``block`` 0/1/2 = baseline/perturbed/washout,
        ``rotation_deg``, ``endpoint_error_deg``: the cursor's direction error, the
        behaviour), ``truth`` (``W_rec [trials + 1, units, units]``: before trial 0 and after
        every trial), ``pretrain_steps`` and ``pretrain_accuracy``; ``out`` also writes the
        recordings file that ``fit_ltr``/``rnnscope fit-ltr`` read.
    """
    return _core.synth_reach(units=integer(units, "units"), neurons=integer(neurons, "neurons"),
                             targets=integer(targets, "targets"), rotation_deg=real(rotation_deg, "rotation_deg"),
                             baseline=integer(baseline, "baseline", minimum=0),
                             perturbed=integer(perturbed, "perturbed", minimum=0),
                             washout=integer(washout, "washout", minimum=0),
                             pretrain_steps=integer(pretrain_steps, "pretrain_steps"), adapt_lr=real(adapt_lr, "adapt_lr"),
                             noise=real(noise, "noise"), seed=seed_arg(seed),
                             threads=integer(threads, "threads", minimum=0), out=path(out), force=boolean(force, "force"))
