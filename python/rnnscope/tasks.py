"""Cognitive tasks: ``names()``, ``make(name, dt=..., **params).batch(n, seed=...)``.

A batch is a dict of numpy arrays, time-major like the models: ``inputs [T, B, n_in]``,
``targets [T, B, n_out]``, ``mask [T, B]``, plus ``conditions`` (per-trial labels),
``periods`` (name -> [B, 2] start/end steps) and ``trial_steps``.
"""

from __future__ import annotations

from . import _core
from ._args import integer, seed as seed_arg


class Task:
    """A task built by ``make``: ``name``, ``params`` (every parameter, defaults filled in),
    ``info`` (periods, channels, criterion, loss) and ``batch(n, seed=...)``."""

    def __init__(self, core: _core.Task):
        self._core = core

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def params(self) -> dict:
        return self._core.params

    @property
    def info(self) -> dict:
        return self._core.info

    def batch(self, n: int, *, seed: int = 0) -> dict:
        """``n`` trials drawn from ``seed`` (the same seed gives the same trials)."""
        return self._core.batch(integer(n, "n", minimum=1), seed=seed_arg(seed))

    def __repr__(self) -> str:
        return f"rnnscope.tasks.make({self.name!r}, ...)"


def names() -> list[str]:
    """Names of every registered task."""
    return list(_core.task_names())


def describe(name: str) -> str:
    """Periods, channels, success criterion and parameters of a task, as text."""
    return _core.describe_task(name)


def make(name: str, **params) -> Task:
    """Build a task. Keyword arguments are its parameters (``dt`` in ms, ``timing``, and
    the task's own, see ``describe(name)``); unknown ones raise ValueError."""
    return Task(_core.make_task(name, params))
