"""The one-command reproductions (``rnnscope experiment NAME``), from Python.

``ltr`` reproduces Pellegrino, Cayco-Gajic & Chadwick 2023 on rnnscope's own tools
(docs/ltr.md, "The experiment"); ``long-deps`` compares plain CTRNNs with skip connections
through time, dynamics-aligned skips and coarsened discretisation (Soo, Goudar & Wang 2023;
docs/long_deps.md, "The experiment"); ``snn-topology`` compares the representations of
spiking networks trained by heterogeneous STDP, homogeneous STDP and surrogate gradients by
RTD (docs/snn.md, "The experiment"); ``nback`` trains vanilla, GRU and LSTM networks on the nine
N-back tasks and compares their latent geometry with Lei, Ito & Bashivan 2024's findings
(docs/nback.md, "The experiment").
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from . import _core
from ._args import boolean, integer, seed as seed_arg

__all__ = ["experiment", "experiment_names"]


def experiment_names() -> list[str]:
    """The known experiments, as ``rnnscope experiment --help`` lists them."""
    return list(_core.experiment_names())


def _print_step(step: str) -> None:
    print(f"experiment: {step}", file=sys.stderr, flush=True)


def experiment(name: str, *, out: str | os.PathLike, quick: bool = False, ci: bool = False,
               cnn: str | os.PathLike | None = None, seed: int = 0, threads: int = 0, force: bool = False,
               progress: bool | Callable[[str], None] = True) -> dict:
    """Runs the named experiment into the directory ``out`` (as ``rnnscope experiment``).

    Args:
        name: one of ``experiment_names()``.
        quick: the small size (minutes; the end-to-end test's) instead of the reported one.
        ci: nback only: its end-to-end test's size (seconds; the numbers mean nothing).
        cnn: nback only: a CNN file written by ``rnnscope.nback.pretrain`` to use instead of
            pretraining one into ``out/cnn.h5``.
        seed: every step's seed derives from it.
        threads: CPU threads of the fits and trainings (0: all cores); long-deps runs that
            many trainings at once, one thread each.
        force: replace an existing non-empty ``out``.
        progress: print each step as it starts (True), call a function with its text, or
            stay silent (False).

    Returns:
        the contents of ``out/results.h5`` as numpy arrays and attributes, plus ``markdown``
        (``out/results.md``) and ``out``.

    Raises:
        ValueError: an unknown name, an existing ``out`` without ``force``, ``quick`` and
            ``ci`` together, an option the experiment does not take.
    """
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, one of {experiment_names()}, got {name!r}")
    if out is None:
        raise ValueError("out is required: the directory the experiment writes")
    quick, ci = boolean(quick, "quick"), boolean(ci, "ci")
    if quick and ci:
        raise ValueError("quick=True and ci=True: give one size")
    callback = _print_step if progress is True else (progress or None)
    return _core.experiment(name, out=os.fspath(out), quick=quick, ci=ci,
                            cnn="" if cnn is None else os.fspath(cnn), seed=seed_arg(seed),
                            threads=integer(threads, "threads", minimum=0), force=boolean(force, "force"),
                            progress=callback)
