"""Training, evaluation and loading of runs (thin wrappers over the C++ core)."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Mapping

from . import _core
from ._args import boolean, integer, optional_integer, path, real, seed as seed_arg


class _ProgressLine:
    """Training progress on stderr with the CLI's information: a bar and a line rewritten in
    place on a terminal or in a notebook (Jupyter honours ``\\r``), each evaluation kept on its
    own line, an ETA from the measured step rate, and a closing line when training ends.
    Elsewhere (a log file, a pipe) plain lines at evaluations and at most every 10 s, as the
    CLI prints them."""

    PLAIN_INTERVAL_SECONDS = 10.0
    BAR_WIDTH = 20

    def __init__(self):
        self.open = False
        self.rewrite = sys.stderr.isatty() or "ipykernel" in sys.modules
        self.last_plain = float("-inf")

    @staticmethod
    def _duration(seconds: float) -> str:
        seconds = int(round(seconds))
        return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"

    def _bar(self, step: int, max_steps: int) -> str:
        filled = int(self.BAR_WIDTH * step / max(1, max_steps))
        return f"{100 * step // max(1, max_steps):3d}%|{'█' * filled}{' ' * (self.BAR_WIDTH - filled)}|"

    def __call__(self, p: dict) -> None:
        now = time.monotonic()
        keep = p["evaluated"]
        if not self.rewrite and not keep and now - self.last_plain < self.PLAIN_INTERVAL_SECONDS:
            return
        acc = f"{p['accuracy']:.3f}" if p["accuracy"] >= 0 else "  -  "
        eta = self._duration(p["eta_seconds"]) if p["eta_seconds"] >= 0 else "-"
        text = (f"step {p['step']}/{p['max_steps']}  loss {p['loss']:.4f}  accuracy {acc}  "
                f"{p['steps_per_second']:.1f} steps/s  ETA {eta}")
        if self.rewrite:
            text = self._bar(p["step"], p["max_steps"]) + " " + text
        keep = keep or not self.rewrite
        print(("\r\033[K" if self.rewrite else "") + text, end="\n" if keep else "", file=sys.stderr, flush=True)
        self.open = not keep
        if not self.rewrite:
            self.last_plain = now

    def close(self, summary: dict) -> None:
        if self.open:
            print(file=sys.stderr)
        print(f"done: {summary.get('steps')} steps, {summary.get('stop_reason')}, final accuracy "
              f"{summary.get('final_accuracy')}", file=sys.stderr, flush=True)


def train(
    config: str | os.PathLike | Mapping | None,
    *,
    out: str | os.PathLike,
    overrides: Mapping[str, object] | list[str] | None = None,
    force: bool = False,
    resume: bool = False,
    stop_after: int | None = None,
    memory_limit_gb: float = 0,
    progress: bool | Callable[[dict], None] = True,
) -> dict:
    """Train a network and write the run directory ``out``; returns the summary dict.

    ``config`` is a TOML file path or a dict with ``seed``, ``task``, ``model``, ``train``
    (may be None with ``resume=True``). ``overrides`` maps ``"section.key"`` to values (or
    is a list of ``"section.key=value"`` strings, as ``--set``). ``progress``: True prints
    progress to stderr, False prints nothing, a callable receives progress dicts.
    ``stop_after``: stop (with a checkpoint) once this many steps are done in total, counting
    the steps of earlier sessions when resuming (so it must exceed them); continue with
    ``resume=True``. ``memory_limit_gb``: refuse (MemoryError, before anything is written)
    batches whose memory estimate exceeds this many GB (0 = the memory available).
    """
    if isinstance(config, os.PathLike):
        config = os.fspath(config)
    if isinstance(overrides, Mapping):
        overrides = [f"{k}={_toml_value(v)}" for k, v in overrides.items()]
    if not (isinstance(progress, bool) or callable(progress)):
        raise ValueError(f"progress must be True, False or a callable, got {progress!r}")
    line = _ProgressLine() if progress is True else None
    summary = _core.train(
        config,
        os.fspath(out),
        list(overrides or []),
        boolean(force, "force"),
        boolean(resume, "resume"),
        optional_integer(stop_after, "stop_after", minimum=1),
        real(memory_limit_gb, "memory_limit_gb", minimum=0),
        line if line else (progress or None),
    )
    if line:
        line.close(summary)
    return summary


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def evaluate(
    run_dir: str | os.PathLike,
    *,
    trials: int = 256,
    noise: bool = True,
    seed: int | None = None,
    out: str | os.PathLike | None = None,
    force: bool = False,
    memory_limit_gb: float = 0,
    replica: int | None = None,
) -> dict:
    """Run a trained network on fresh trials. Returns trial-major numpy arrays
    (``inputs``, ``targets``, ``mask``, ``outputs``, ``states`` [trials, T, ...]),
    ``correct`` [trials], ``accuracy``, ``conditions`` and ``periods``; ``out`` also
    writes them to HDF5 as ``rnnscope eval`` does. A run with ``train.replicas = K``:
    all K networks (a leading K on ``outputs``, ``states`` and ``correct``, and
    ``replica_accuracy`` [K]), or replica ``replica`` alone."""
    return _core.evaluate(os.fspath(run_dir), integer(trials, "trials"), boolean(noise, "noise"),
                          None if seed is None else seed_arg(seed), real(memory_limit_gb, "memory_limit_gb", minimum=0),
                          path(out), boolean(force, "force"),
                          None if replica is None else integer(replica, "replica"))


def load_run(run_dir: str | os.PathLike) -> dict:
    """Everything in a run directory: ``config`` (dict), ``summary`` (dict), ``history``
    and ``model`` (name -> float64 numpy array) with ``history_attrs`` / ``model_attrs``;
    each file only when present (an interrupted run has no model yet). Read by the same
    C++ run-directory type that wrote it."""
    return _core.load_run(os.fspath(run_dir))
