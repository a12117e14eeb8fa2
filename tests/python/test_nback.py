"""The N-back stimuli, the pretraining of the perceptual CNN and the geometry analyses through the
Python door: numpy in and out, results checked against planted codes and against the labels'
definition, errors as ValueError."""

import h5py
import numpy as np
import pytest

import rnnscope


def planted(classes=4, per_class=60, features=12, separation=4.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), per_class)
    x = rng.normal(size=(y.size, features))
    x[np.arange(y.size), y] += separation
    return x, y


def test_decode_recovers_a_planted_code_and_gives_chance_on_shuffled_labels():
    x, y = planted()
    fit = rnnscope.geometry.decode(x, y, folds=4, seed=1)
    assert fit["accuracy"] > 0.95 and fit["chance"] == pytest.approx(0.25)
    assert fit["normals"].shape == (4, 12) and fit["fold_accuracy"].shape == (4,)
    assert list(fit["classes"]) == [0, 1, 2, 3]
    # Each normal points along its class's axis: the decoders' argmax of |w| is the class.
    assert list(np.argmax(fit["normals"], axis=1)) == [0, 1, 2, 3]
    shuffled = rnnscope.geometry.decode(x, np.random.default_rng(2).permutation(y), folds=4)
    assert abs(shuffled["accuracy"] - shuffled["chance"]) < 4.5 * np.sqrt(0.25 * 0.75 / y.size)
    # The same seed, the same folds: the same accuracy, through the name for it as well.
    assert rnnscope.analysis.decode(x, y, folds=4, seed=1)["accuracy"] == fit["accuracy"]


def test_cross_decode_index_and_procrustes():
    x, y = planted(seed=3)
    x_b, y_b = planted(seed=4)
    assert rnnscope.geometry.cross_decode(x, y, x_b, y_b)["accuracy"] > 0.95
    assert rnnscope.geometry.orthogonalization_index(np.eye(3)) == pytest.approx(1.0)
    assert rnnscope.geometry.orthogonalization_index([[1, 1], [2, 2], [-1, -1]]) == pytest.approx(0.0)
    # b's space is a's rotated by q: the mapped decoder decodes b's samples as well as a's own.
    q, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(12, 12)))
    fit = rnnscope.geometry.decode(x, y, folds=4)
    fit_b = rnnscope.geometry.decode(x_b @ q, y_b, folds=4)
    mapped = rnnscope.geometry.procrustes(fit["normals"], fit_b["normals"], x=x_b @ q, y=y_b,
                                          intercepts=fit["intercepts"])
    assert mapped["rotation"].shape == (12, 12)
    assert mapped["relative_residual"] < 0.5
    assert mapped["accuracy"] > 0.9 and mapped["chance"] == pytest.approx(0.25)
    exact = rnnscope.geometry.procrustes(fit["normals"], 3 * fit["normals"] @ q)
    assert exact["scale"] == pytest.approx(3) and exact["relative_residual"] < 1e-10


@pytest.mark.parametrize("call, message", [
    (lambda: rnnscope.geometry.decode(np.ones((10, 2)), np.arange(10) % 2 + 0.5), "integer labels"),
    (lambda: rnnscope.geometry.decode(np.ones(10), np.arange(10) % 2), "2-D array"),
    (lambda: rnnscope.geometry.decode(np.full((10, 2), np.nan), np.arange(10) % 2), "non-finite"),
    (lambda: rnnscope.geometry.decode(np.ones((6, 2)), np.arange(6) % 2), "fewer than folds = 5"),
    (lambda: rnnscope.geometry.decode(np.ones((10, 2)), np.arange(9) % 2), "they must be the same count"),
    (lambda: rnnscope.geometry.orthogonalization_index(np.ones((1, 3))), "at least 2 rows"),
    (lambda: rnnscope.geometry.procrustes(np.ones((2, 3)), np.ones((3, 3))), "same shape"),
    (lambda: rnnscope.nback.sequences(2, tasks=["colour_1back"]), "the tasks are location_1back"),
    (lambda: rnnscope.nback.sequences(2, stimuli={"grids": 3}), "grids"),
    (lambda: rnnscope.nback.sequences(2, match_probability=2), "match_probability"),
    (lambda: rnnscope.nback.pretrain(out=None), "out is required"),
    (lambda: rnnscope.nback.pretrain(out="cnn.h5", epochs=0), "epochs = 0, allowed 1..100"),
    (lambda: rnnscope.nback.pretrain(out="cnn.h5", channels=[4, 4, 4, 4, 4]), "channels: 1 to 4 conv blocks"),
    (lambda: rnnscope.nback.pretrain(out="cnn.h5", channels="16"), "list of integers"),
])
def test_bad_inputs_raise_one_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_sequences_frames_and_labels():
    s = rnnscope.nback.sequences(40, tasks=["identity_2back", "category_1back"], seed=3,
                                 stimuli={"noise_std": 0.0})
    assert s["frames"].shape == (40, 6, 64, 64) and s["frames"].dtype == np.float32
    assert s["frames"].min() >= 0 and s["frames"].max() <= 1
    names = s["task_names"]
    assert {names[t] for t in s["task"]} == {"identity_2back", "category_1back"}
    for k in range(40):
        name = names[s["task"][k]]
        feature, n = name.split("_")[0], int(name.split("_")[1][0])
        values = s[feature][k]
        expected = [2] * n + [0 if values[f] == values[f - n] else 1 for f in range(n, 6)]
        assert list(s["labels"][k]) == expected
        # Without noise, only the object's quadrant is lit.
        for f in range(6):
            row, col = divmod(int(s["location"][k, f]), 2)
            lit = s["frames"][k, f] > 0
            assert lit[row * 32:(row + 1) * 32, col * 32:(col + 1) * 32].sum() == lit.sum() > 0
    again = rnnscope.nback.sequences(40, tasks=["identity_2back", "category_1back"], seed=3,
                                      stimuli={"noise_std": 0.0})
    np.testing.assert_array_equal(again["frames"], s["frames"])
    heldout = rnnscope.nback.sequences(20, heldout=True, seed=3)
    assert np.abs(heldout["rotation_deg"]).min() > 10
    assert np.abs(s["rotation_deg"]).max() <= 10


def test_pretrain_writes_the_network_with_its_test_accuracy(tmp_path):
    out = tmp_path / "cnn.h5"
    r = rnnscope.nback.pretrain(out=out, channels=[4, 8], epochs=1, train_images=500, seed=1, threads=1)
    assert r["epoch_loss"].shape == (1,) and 0 <= r["test_accuracy"] <= 1
    with h5py.File(out) as f:
        assert list(f["channels"][:]) == [4, 8] and f["image_size"][0] == 28
        assert f["conv0/weight"].shape == (4, 1, 3, 3) and f["head/weight"].shape == (10, 8 * 7 * 7)
        assert f.attrs["test_accuracy"] == pytest.approx(r["test_accuracy"])
        assert f.attrs["train_images"] == 500
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.nback.pretrain(out=out, epochs=1)
