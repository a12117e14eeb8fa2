"""The N-back stimuli and trials (docs/nback.md): Fashion-MNIST objects with a category, an
identity and a location, rendered under controlled views, in sequences of the nine N-back
tasks ({location, identity, category} × {1, 2, 3}-back) — to look at what the networks will see;
the pretraining of the networks' perceptual CNN; and the analyses of a trained run.
"""

from __future__ import annotations

import os

from . import _core
from ._args import boolean, integer, path, real, seed as seed_arg

__all__ = ["sequences", "pretrain", "analyze", "LABELS"]

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


def pretrain(*, out, channels=(16, 32, 64), epochs: int = 6, batch_size: int = 128, lr: float = 1e-3,
             weight_decay: float = 1e-4, train_images: int = 0, seed: int = 0, threads: int = 0,
             data_dir=None, force: bool = False) -> dict:
    """Trains the perceptual CNN on Fashion-MNIST's training images (``rnnscope nback pretrain``).

    Args:
        out: the HDF5 file to write the network to (refused if it exists, unless ``force``).
        channels: channels of each conv block (3×3 conv, ReLU, 2×2 max pool), 1 to 4 blocks.
        epochs, batch_size, lr, weight_decay: AdamW on the cross-entropy of the 10 classes.
        train_images: train on the first this many training images (0 = all 60000).
        seed: initial weights and the order of the images.
        threads: CPU threads (0 = all cores).
        data_dir: where the Fashion-MNIST files are (default Debian's).

    Returns:
        ``{"test_accuracy" (on the 10000 test images), "epoch_loss" [epochs], "seconds"}``.
    """
    if out is None:
        raise ValueError("out is required: the HDF5 file to write the network to")
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__iter__"):
        raise ValueError(f"channels must be a list of integers, got {channels!r}")
    return _core.nback_pretrain(
        out=path(out), channels=[integer(c, "channels") for c in channels], epochs=integer(epochs, "epochs"),
        batch_size=integer(batch_size, "batch_size"), lr=real(lr, "lr"), weight_decay=real(weight_decay, "weight_decay"),
        train_images=integer(train_images, "train_images"), seed=seed_arg(seed),
        threads=integer(threads, "threads", minimum=0),
        data_dir="" if data_dir is None else os.fspath(data_dir), force=boolean(force, "force"))


def analyze(run_dir, *, out=None, trials: int = 1024, folds: int = 5, l2: float = 1.0, seed: int | None = None,
            states: bool = False, force: bool = False) -> dict:
    """The latent-geometry analyses of a trained N-back run (``rnnscope analyze``; docs/nback.md).

    Runs the network on ``trials`` held-out trials of its own diet (drawn by ``seed``, default
    derived from the run's) and decodes every feature of every object from its hidden states,
    cross-validated (``folds``, the decoders' penalty ``l2``), with a chance level beside every
    accuracy.

    Args:
        run_dir: a run directory of ``[task] name = "nback"`` with its model.h5.
        out: an HDF5 file to write (and FILE.md beside it); None writes nothing.
        states: also return (and write) the analysed arrays under ``states``: ``hidden``
            [trials, frames, units], ``perceptual`` [trials, frames, CNN features], ``objects``
            [trials, frames, 3] (location, identity, category) and ``task`` [trials] (index into
            ``tasks``), to run other analyses on.
        force: overwrite ``out`` and its Markdown file.

    Returns:
        the file's datasets as nested dicts of numpy arrays (``decoding``: ``{"accuracy",
        "chance"}`` [tasks, features, S, T], ``cross_task``, ``orthogonality``,
        ``encoding_to_memory``, ``across_positions``, ``procrustes``, ...), its attributes, and
        ``markdown``, the summary.
    """
    return _core.nback_analyze(
        os.fspath(run_dir), out=path(out), trials=integer(trials, "trials"), folds=integer(folds, "folds"),
        l2=real(l2, "l2"), seed=None if seed is None else seed_arg(seed), states=boolean(states, "states"),
        force=boolean(force, "force"))
