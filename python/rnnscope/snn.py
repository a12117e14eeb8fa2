"""Spiking networks: the recurrent LIF network with STDP on rnnscope's C++ simulator.

The model, its config keys and their defaults' sources are in docs/snn.md. Bad configs and
inputs raise ValueError with the line the CLI prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from . import _core
from ._args import array, boolean, integer, path, real
from .training import _toml_value

__all__ = ["simulate", "train", "eval"]


def _config(config):
    return os.fspath(config) if isinstance(config, os.PathLike) else config


def _overrides(overrides) -> list:
    if isinstance(overrides, Mapping):
        return [f"{k}={_toml_value(v)}" for k, v in overrides.items()]
    return list(overrides or [])


def simulate(config=None, *, overrides=None, rates=None, row_ms: float = 0, out=None, force: bool = False) -> dict:
    """Simulate the network of ``config`` (a TOML path, a dict, or None for every default).

    Args:
        overrides: ``{"section.key": value}`` (or ``"section.key=value"`` strings, as ``--set``).
        rates: the input channels' rates in Hz, an array ``[rows, input.n_inputs]``: one row
            (a static rate vector) or a sequence, row ``r`` held for ``row_ms`` (the last to
            the end). None: every channel at ``simulation.input_rate_hz``.
        out: also write the record to this HDF5 file, as ``rnnscope snn simulate --out``
            does; an existing file is kept unless ``force=True``.

    Returns:
        ``{"spike_times_ms": [spikes], "spike_ids": [spikes], "counts": [segments, neurons],
        "segment_start_ms", "tau_m_ms": [neurons]}`` as numpy arrays, and the attributes
        ``n_excitatory``, ``n_inhibitory``, ``dt_ms``, ``duration_ms``, ``steps``, ``seed``,
        ``rule``, ``spikes``, ``rate_e_hz``, ``rate_i_hz``, ``seconds``, ``version``.
    """
    return _core.snn_simulate(_config(config), overrides=_overrides(overrides),
                              rates=None if rates is None else array(rates, "rates"),
                              row_ms=real(row_ms, "row_ms"), out=path(out), force=boolean(force, "force"))


def train(config=None, *, out, overrides=None, force: bool = False) -> dict:
    """Train the E→E synapses with ``[stdp] rule`` on Poisson-coded patterns, then fit the
    logistic readout of the frozen network's excitatory spike counts; with ``rule =
    "surrogate"``, train a recurrent LIF layer and a linear readout of its spike counts by
    surrogate gradients (``[surrogate]``). Writes the run directory ``out`` (config.toml,
    summary.json, snn.h5) and returns the summary (``test_accuracy``, ``train_accuracy``,
    ``chance``, rates, timings; docs/snn.md)."""
    return _core.snn_train(_config(config), overrides=_overrides(overrides), out=os.fspath(out),
                           force=boolean(force, "force"))


def eval(run, *, out=None, segments: int = 3, trace_ms: float = 20.0, force: bool = False) -> dict:  # noqa: A001
    """Show the trained network of the run directory ``run`` (any rule) the test samples again
    and read it per time segment, as ``rnnscope snn eval`` does (docs/snn.md "Evaluation and
    representations").

    Returns:
        ``{"counts": [samples, segments, n], "traces": [samples, segments, n],
        "segment_start_ms": [segments], "inputs": [samples, n_inputs], "scores": [samples,
        classes], "labels": [samples]}`` as numpy arrays, and the attributes ``rule``, ``seed``,
        ``segments``, ``sample_ms``, ``dt_ms``, ``trace_ms``, ``n``, ``test_accuracy``,
        ``version``. ``out``: also write it to this HDF5 file (kept unless ``force=True``).
    """
    return _core.snn_eval(os.fspath(run), out=path(out), segments=integer(segments, "segments"),
                          trace_ms=real(trace_ms, "trace_ms"), force=boolean(force, "force"))
