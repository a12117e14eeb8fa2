"""Sweeps: many trainings of one base config varied along axes and seeds (docs/scaling.md).

``sweep(spec, out=DIR)`` trains every cell (resumable: run it again to continue) and returns
the results table; ``load_sweep(DIR)`` reads it back. A table is a dict of numpy columns —
``cell``, one column per axis (named by its key, e.g. ``"model.units"``), ``seed``,
``status`` (done / failed / pending), ``final_accuracy``, ``steps``, ``wall_seconds``,
``steps_per_second``, ``error`` — or a pandas DataFrame when pandas is installed.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Mapping

from . import _core
from ._args import boolean, integer, path


def _print_progress(p: dict) -> None:
    eta = f"{p['eta_seconds']:.0f} s" if p["eta_seconds"] >= 0 else "-"
    print(f"sweep {p['done']}/{p['cells']} done, {p['failed']} failed, {p['running']} running, "
          f"ETA {eta} — {p['event']}", file=sys.stderr, flush=True)


def _table(columns: dict, as_dataframe: bool | None):
    if as_dataframe is False:
        return columns
    try:
        import pandas
    except ModuleNotFoundError:
        if as_dataframe:
            raise
        return columns
    return pandas.DataFrame(columns)


def sweep(
    spec: str | os.PathLike | Mapping,
    *,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    cell: int | None = None,
    retry_failed: bool = False,
    force: bool = False,
    list_cells: bool = False,
    progress: bool | Callable[[dict], None] = True,
    as_dataframe: bool | None = None,
):
    """Train every cell of a sweep into ``out``; returns the results table.

    ``spec`` is a sweep file path or a dict with the same keys (``base``, ``seeds``,
    ``combine``, ``axes``, ``random``, ``runner``). Running the same sweep again skips
    finished cells and resumes interrupted ones; ``retry_failed`` runs failed ones again.
    ``cell`` runs one cell alone. ``list_cells=True`` returns the cells (id, seed, values,
    config) without training. ``as_dataframe``: None gives a DataFrame when pandas is
    installed, else the dict of numpy columns.
    """
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    callback = _print_progress if progress is True else (progress or None)
    result = _core.sweep(spec, path(out), -1 if workers is None else integer(workers, "workers", minimum=0),
                         -1 if cell is None else integer(cell, "cell", minimum=0),
                         boolean(retry_failed, "retry_failed"), boolean(force, "force"),
                         boolean(list_cells, "list_cells"), callback)
    return result if list_cells else _table(result, as_dataframe)


def load_sweep(dir: str | os.PathLike, *, as_dataframe: bool | None = None):
    """The results table of a sweep directory, as it is now (see ``sweep``)."""
    return _table(_core.load_sweep(os.fspath(dir)), as_dataframe)
