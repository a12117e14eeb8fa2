"""Cognitive tasks: ``names()``, ``make(name, dt=..., **params).batch(n, seed=...)``.

A batch is a dict of numpy arrays, time-major like the models: ``inputs [T, B, n_in]``,
``targets [T, B, n_out]``, ``mask [T, B]``, plus ``conditions`` (per-trial labels),
``periods`` (name -> [B, 2] start/end steps) and ``trial_steps``.
"""

from __future__ import annotations

from . import _core

Task = _core.Task


def names() -> list[str]:
    """Names of every registered task."""
    return list(_core.task_names())


def describe(name: str) -> str:
    """Periods, channels, success criterion and parameters of a task, as text."""
    return _core.describe_task(name)


def make(name: str, **params) -> Task:
    """Build a task. Keyword arguments are its parameters (``dt`` in ms, ``timing``, and
    the task's own, see ``describe(name)``); unknown ones raise ValueError."""
    return _core.make_task(name, params)
