"""The N-back stimuli and trials (docs/nback.md): Fashion-MNIST objects with a category, an
identity and a location, rendered under controlled views, in sequences of the nine N-back
tasks ({location, identity, category} × {1, 2, 3}-back) — to look at what the networks will see.
"""

from __future__ import annotations

import os

from . import _core
from ._args import boolean, integer, seed as seed_arg

__all__ = ["sequences", "LABELS"]

#: The three answers, by label value.
LABELS = ("match", "non-match", "no-action")


def sequences(trials: int = 8, *, tasks=None, heldout: bool = False, seed: int = 0,
              stimuli: dict | None = None, data_dir=None, **options) -> dict:
    """``trials`` N-back trials with their frames rendered.

    Args:
        trials: how many trials (1..100000; MemoryError when the frames would take more than 1 GiB).
        tasks: task names (``"location_1back"`` … ``"category_3back"``), each trial's task drawn
            among them; None = all nine.
        heldout: draw views from the held-out range (larger rotations) instead of training's.
        seed: the exemplars and the trials (the same seed gives the same arrays).
        stimuli: ``[stimuli]`` keys — categories, identities, grid, cell_size, rotation_deg,
            heldout_rotation_deg, scale_min, scale_max, shift_px, noise_std.
        data_dir: where the Fashion-MNIST files are (default Debian's).
        **options: ``[nback]`` keys — frames, match_probability.

    Returns:
        ``{"frames" [trials, frames, side, side] float32 in [0, 1], "labels" [trials, frames]
        (0 match, 1 non-match, 2 no-action), "task" [trials] (index into "task_names"),
        "category", "identity", "location", "rotation_deg", "scale", "shift_x", "shift_y"
        [trials, frames], "category_labels" (Fashion-MNIST labels of the categories),
        "exemplar_indices" (per identity, into the test split)}``.
    """
    if tasks is None:
        names = []
    elif isinstance(tasks, str):
        names = [tasks]
    else:
        names = list(tasks)
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"tasks must be task names (strings), got {name!r}")
    if stimuli is not None and not isinstance(stimuli, dict):
        raise ValueError(f"stimuli must be a dict of [stimuli] keys, got {stimuli!r}")
    return _core.nback_sequences(
        integer(trials, "trials", minimum=1), tasks=names, heldout=boolean(heldout, "heldout"),
        seed=seed_arg(seed), stimuli=stimuli or {}, options=options,
        data_dir="" if data_dir is None else os.fspath(data_dir))
