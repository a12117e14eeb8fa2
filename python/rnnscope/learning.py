"""The rank of learning: weight snapshots over training (``train.save_weights_every``), their
updates stacked into a tensor and CP-decomposed, and the matrix rank of each update
(docs/ltr.md, "Rank of learning"; Pellegrino, Cayco-Gajic & Chadwick 2023).
"""

from __future__ import annotations

import os

import numpy as np

from . import _core
from ._args import boolean, integer, path, real, seed as seed_arg, text

__all__ = ["analyze_learning"]


def analyze_learning(run, *, ranks=5, weight: str = "W_rec", rank_tolerance: float = 1e-4,
                     restarts: int = 4, max_iterations: int = 500, seed: int = 0, threads: int = 0,
                     replica: int | None = None, out=None, force: bool = False) -> dict:
    """The rank of learning of ``run``, a run directory trained with ``train.save_weights_every > 0``.

    Args:
        ranks: CP ranks to fit: an int R (ranks 1..R) or a sequence of ranks (each >= 1).
        weight: the weight matrix, as model.h5 names it (``W_rec``, ``W_in``, ``W_out``;
            ``W_hh``, ``W_ih`` for gru/lstm).
        rank_tolerance: a singular value counts towards an update's numerical rank when it
            exceeds this times the update's largest.
        replica: a run with ``train.replicas = K``: analyse replica ``replica`` alone
            (0 <= replica < K; the result gains the attribute ``replica``). Left out, all K
            replicas are analysed and every array but ``steps`` and ``ranks`` gains a leading
            ``[K]`` axis (attribute ``replicas``), as ``rnnscope analyze-learning`` does.
        out: also write the record to this HDF5 file, as ``rnnscope analyze-learning --out``
            does (the CLI's default is ``RUN/learning.h5``); an existing file is kept unless
            ``force=True``.

    Returns:
        a dict of numpy arrays and attributes: ``steps [S]``, ``ranks [R]``,
        ``cp_relative_error [R]`` (updates ``W_s - W_{s-1}`` stacked ``[N_out, N_in, S-1]``),
        ``cumulative_cp_relative_error [R]`` (``W_s - W_0``), ``cp_iterations [R]``,
        ``update_singular_values [S-1, min(N_out, N_in)]``, ``update_matrix_rank [S-1]``,
        ``update_effective_rank [S-1]`` (participation ratio of the squared singular values),
        ``cumulative_matrix_rank [S-1]``, and the attributes of the file.

    Raises:
        ValueError: no snapshots in ``run``, an unknown ``weight``, malformed ``ranks``, a
            ``replica`` out of range or given for a run of one network.
    """
    if isinstance(ranks, (int, np.integer)) and not isinstance(ranks, bool):
        rank_list = list(range(1, int(ranks) + 1)) if ranks >= 1 else [int(ranks)]
    else:
        try:
            rank_list = [integer(r, "ranks") for r in ranks]
        except TypeError:
            raise ValueError(f"ranks={ranks!r} is not an int R (ranks 1..R) or a sequence of ranks") from None
    return _core.analyze_learning(os.fspath(run), ranks=rank_list, weight=text(weight, "weight"),
                                  rank_tolerance=real(rank_tolerance, "rank_tolerance", minimum=0),
                                  restarts=integer(restarts, "restarts"),
                                  max_iterations=integer(max_iterations, "max_iterations", minimum=1),
                                  seed=seed_arg(seed), threads=integer(threads, "threads", minimum=0),
                                  replica=None if replica is None else integer(replica, "replica"),
                                  out=path(out), force=boolean(force, "force"))
