"""Latent-geometry analyses on any arrays (docs/nback.md): cross-validated linear decoders,
cross-decoding, the orthogonalisation index and scaled Procrustes between decoders, on
rnnscope's C++ core — so they apply to a model's hidden states and to a user's recordings alike.

Samples are rows: ``x [samples, features]``; labels ``y [samples]`` are integers. Every
accuracy comes with ``chance``: the accuracy of always answering the class most frequent in
the training samples. Bad inputs (shapes that differ, NaN, one class, too few samples per
class for the folds) raise ValueError.
"""

from __future__ import annotations

import numpy as np

from . import _core
from ._args import array, integer, real, seed as seed_arg

__all__ = ["decode", "cross_decode", "orthogonalization_index", "procrustes"]


def _matrix(value, name: str) -> np.ndarray:
    a = array(value, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [samples, features], got shape {a.shape}")
    return a


def _labels(value, name: str) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise ValueError(f"{name} must be a 1-D array of integer labels, got dtype {a.dtype} and shape {a.shape}")
    return a.astype(np.int64)


def decode(x, y, *, l2: float = 1.0, folds: int = 5, seed: int = 0) -> dict:
    """Stratified ``folds``-fold cross-validated decoding of ``y`` from ``x``.

    One L2-regularised logistic regression per class against the rest (penalty
    ``l2 / 2 · ‖w‖²`` beside the summed log-loss, scikit-learn's ``C = 1 / l2``); a sample
    goes to the class of largest score.

    Returns:
        ``{"accuracy", "chance", "fold_accuracy", "fold_chance", "classes", "normals"
        [classes, features], "intercepts"}``: mean test accuracy and chance over the folds,
        and the one-vs-rest decoders fitted on all samples.
    """
    return _core.decode(_matrix(x, "x"), _labels(y, "y"), l2=real(l2, "l2"),
                        folds=integer(folds, "folds", minimum=2), seed=seed_arg(seed))


def cross_decode(x_a, y_a, x_b, y_b, *, l2: float = 1.0) -> dict:
    """A decoder fitted on all of set A, tested on set B: ``{"accuracy", "chance"}``
    (chance: B's rate of A's most frequent class). B's labels must all occur in A."""
    return _core.cross_decode(_matrix(x_a, "x_a"), _labels(y_a, "y_a"), _matrix(x_b, "x_b"),
                              _labels(y_b, "y_b"), l2=real(l2, "l2"))


def orthogonalization_index(normals) -> float:
    """``O = mean over pairs i < j of 1 − |cos(w_i, w_j)|`` of the rows of ``normals``
    ``[values, features]`` (e.g. ``decode(...)["normals"]``): 1 orthogonal, 0 collinear."""
    return _core.orthogonalization_index(_matrix(normals, "normals"))


def procrustes(a, b, *, x=None, y=None, intercepts=None, classes=None) -> dict:
    """The rotation ``R`` and common scale ``s`` minimising ``‖s·a·R − b‖`` for decoder
    matrices ``a``, ``b`` ``[classes, features]``.

    Returns ``{"rotation", "scale", "relative_residual"}``; with samples ``x`` and labels
    ``y`` of ``b``'s space also ``"accuracy"`` — of the decoder with normals ``s·a·R`` and
    ``a``'s ``intercepts`` (default 0) over ``classes`` (default 0..rows−1) — and ``"chance"``.
    """
    if (x is None) != (y is None):
        raise ValueError("procrustes: give both x and y (the samples to test the mapped decoder on), or neither")
    return _core.procrustes(
        _matrix(a, "a"), _matrix(b, "b"),
        x=None if x is None else _matrix(x, "x"), y=None if y is None else _labels(y, "y"),
        intercepts=None if intercepts is None else array(intercepts, "intercepts").ravel(),
        classes=None if classes is None else _labels(classes, "classes"))
