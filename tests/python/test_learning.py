"""Weights over learning: snapshots written by `train` (layout, resume = uninterrupted), the
rank-of-learning analysis on a hand-made file of known rank, its bad inputs through both doors,
and the rank bound for linear RNNs trained by gradient descent (docs/ltr.md)."""

import copy
import os
import subprocess

import h5py
import numpy as np
import pytest

import rnnscope
from conftest import SMALL_CONFIG


def _config(**train):
    cfg = copy.deepcopy(SMALL_CONFIG)
    cfg["train"].update(train)
    return cfg


def test_snapshots_layout_and_resume_equals_uninterrupted(tmp_path):
    cfg = _config(max_steps=20, save_weights_every=3, checkpoint_every=5)
    straight = tmp_path / "straight"
    rnnscope.train(cfg, out=straight, progress=False)
    with h5py.File(straight / "weights_history.h5") as f:
        assert f["step"].dtype == np.int64
        assert list(f["step"][:]) == [0, 3, 6, 9, 12, 15, 18, 20]  # step 0, every 3, the last
        assert sorted(f.keys()) == ["W_in", "W_out", "W_rec", "step"]
        assert f["W_rec"].dtype == np.float32 and f["W_rec"].shape == (8, 24, 24)
        assert f["W_in"].shape[:2] == (8, 24) and f["W_out"].shape[0:3:2] == (8, 24)
        with h5py.File(straight / "model.h5") as m:
            np.testing.assert_array_equal(f["W_rec"][-1], m["W_rec"][:])

    # Stopped between checkpoints (7: after the checkpoint at 5, before the snapshot at 9),
    # then resumed: the file equals the uninterrupted run's.
    split = tmp_path / "split"
    rnnscope.train(cfg, out=split, stop_after=7, progress=False)
    with h5py.File(split / "weights_history.h5") as f:
        assert list(f["step"][:]) == [0, 3, 6]
    rnnscope.train(None, out=split, resume=True, progress=False)
    with h5py.File(straight / "weights_history.h5") as a, h5py.File(split / "weights_history.h5") as b:
        assert sorted(a.keys()) == sorted(b.keys())
        for name in a:
            np.testing.assert_array_equal(a[name][:], b[name][:], err_msg=name)


def test_no_snapshots_when_off(tmp_path):
    rnnscope.train(_config(max_steps=4), out=tmp_path / "r", progress=False)
    assert not (tmp_path / "r" / "weights_history.h5").exists()


def _hand_made_run(path, updates):
    """A run directory holding only a config and weights_history.h5 with W_rec = cumsum(updates)."""
    path.mkdir()
    (path / "config.toml").write_text("seed = 0\n")
    w0 = np.random.default_rng(0).normal(size=updates.shape[1:])
    weights = np.concatenate([w0[None], w0[None] + np.cumsum(updates, axis=0)]).astype(np.float32)
    with h5py.File(path / "weights_history.h5", "w") as f:
        f["step"] = np.arange(len(weights), dtype=np.int64) * 5
        f["W_rec"] = weights
        f["W_in"] = np.zeros((len(weights), weights.shape[1], 2), np.float32)
    return path


def test_rank_one_updates(tmp_path):
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=12), rng.normal(size=10)
    scales = rng.uniform(0.5, 2.0, size=7)
    run = _hand_made_run(tmp_path / "r", scales[:, None, None] * np.outer(u, v)[None])
    out = tmp_path / "learning.h5"
    res = rnnscope.analyze_learning(run, ranks=3, out=out)
    np.testing.assert_array_equal(res["steps"], np.arange(8) * 5)
    np.testing.assert_array_equal(res["ranks"], [1, 2, 3])
    assert res["cp_relative_error"][0] < 1e-5  # float32 snapshots
    assert res["cumulative_cp_relative_error"][0] < 1e-5
    assert res["update_singular_values"].shape == (7, 10)
    np.testing.assert_array_equal(res["update_matrix_rank"], np.ones(7))
    np.testing.assert_array_equal(res["cumulative_matrix_rank"], np.ones(7))
    np.testing.assert_allclose(res["update_effective_rank"], 1.0, atol=1e-6)
    np.testing.assert_allclose(res["update_singular_values"][:, 0],
                               scales * np.linalg.norm(u) * np.linalg.norm(v), rtol=1e-4)
    assert res["effective_rank"] == "participation_ratio" and res["weight"] == "W_rec"
    with h5py.File(out) as f:
        np.testing.assert_array_equal(f["update_matrix_rank"][:], res["update_matrix_rank"])
        assert f.attrs["snapshots"] == 8


def test_replicas_each_analysed_or_one_alone(cli, tmp_path):
    """A run with train.replicas = 2 (snapshots [S, 2, N, N]): replica 0's updates of rank 1,
    replica 1's of rank 2; all replicas with a leading axis, or one with `replica`."""
    rng = np.random.default_rng(3)
    rank_one = np.einsum("s,i,j->sij", rng.uniform(0.5, 2, 5), rng.normal(size=8), rng.normal(size=8))
    rank_two = np.einsum("sr,ri,rj->sij", rng.normal(size=(5, 2)), rng.normal(size=(2, 8)), rng.normal(size=(2, 8)))
    run = _hand_made_run(tmp_path / "r", np.stack([rank_one, rank_two], axis=1))
    both = rnnscope.analyze_learning(run, ranks=[1, 2])
    assert both["replicas"] == 2 and both["steps"].shape == (6,) and both["ranks"].shape == (2,)
    np.testing.assert_array_equal(both["update_matrix_rank"], [np.ones(5), np.full(5, 2)])
    assert both["update_singular_values"].shape == (2, 5, 8)
    assert both["cp_relative_error"][0, 0] < 1e-5 and both["cp_relative_error"][1, 0] > 1e-2
    one = rnnscope.analyze_learning(run, ranks=[1, 2], replica=1)
    assert one["replica"] == 1 and "replicas" not in one
    np.testing.assert_array_equal(one["update_singular_values"], both["update_singular_values"][1])
    # The CLI: one table per replica, the file with the leading axis; bad replicas in one line.
    proc = subprocess.run([cli, "analyze-learning", run, "--ranks", "1..2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "replica 0: W_rec" in proc.stdout and "replica 1: W_rec" in proc.stdout
    with h5py.File(run / "learning.h5") as f:
        assert f.attrs["replicas"] == 2 and f["update_matrix_rank"].shape == (2, 5)
    proc = subprocess.run([cli, "analyze-learning", run, "--replica", "2", "--force"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--replica = 2" in proc.stderr and "0 to 1" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="holds one network"):
        rnnscope.analyze_learning(_hand_made_run(tmp_path / "single", np.ones((2, 3, 3))), replica=0)


def test_rank_two_updates_need_two_components(tmp_path):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 9)), rng.normal(size=(2, 9))
    c = rng.normal(size=(6, 2))
    updates = np.einsum("kr,ri,rj->kij", c, a, b)
    res = rnnscope.analyze_learning(_hand_made_run(tmp_path / "r", updates), ranks=[1, 2])
    assert res["cp_relative_error"][0] > 1e-2
    assert res["cp_relative_error"][1] < 1e-5
    np.testing.assert_array_equal(res["update_matrix_rank"], np.full(6, 2))


def test_cli_table_default_output_and_errors(cli, tmp_path):
    run = _hand_made_run(tmp_path / "r", np.ones((3, 4, 4)))
    proc = subprocess.run([cli, "analyze-learning", run, "--ranks", "1..2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "CP rel. error" in proc.stdout and "matrix rank of each update: 1..1" in proc.stdout
    assert (run / "learning.h5").exists()
    # An existing output is kept without --force.
    proc = subprocess.run([cli, "analyze-learning", run], capture_output=True, text=True)
    assert proc.returncode == 2 and "--force" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    for args, needle in [
        (["--ranks", "0", "--force"], "--ranks"),
        (["--ranks", "a..b", "--force"], "--ranks"),
        (["--ranks", "3..1", "--force"], "--ranks"),
        (["--weight", "W_nope", "--force"], "W_in, W_rec"),
    ]:
        proc = subprocess.run([cli, "analyze-learning", run, *args], capture_output=True, text=True)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_missing_snapshots_name_the_key(cli, tmp_path):
    rnnscope.train(_config(max_steps=2), out=tmp_path / "r", progress=False)
    proc = subprocess.run([cli, "analyze-learning", tmp_path / "r"], capture_output=True, text=True)
    assert proc.returncode == 2 and "train.save_weights_every" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="save_weights_every"):
        rnnscope.analyze_learning(tmp_path / "r")


@pytest.mark.parametrize("kwargs", [dict(ranks=0), dict(ranks=[1, -2]), dict(ranks="many"),
                                    dict(weight="W_nope"), dict(rank_tolerance=2.0)])
def test_bad_arguments_raise_value_error(tmp_path, kwargs):
    run = _hand_made_run(tmp_path / "r", np.ones((2, 3, 3)))
    with pytest.raises(ValueError):
        rnnscope.analyze_learning(run, **kwargs)


# The rank bound (docs/ltr.md, "Rank of learning"): a linear CTRNN with W_rec(0) = 0, no
# noise, trained by plain gradient descent keeps every weight change inside the span A of
# W_in(0)'s columns and W_out(0)'s rows, dim A <= d = n_in + n_out. So each update and each
# W_s - W_0 has matrix rank <= d, and the update tensor has CP rank <= d^2.
LINEAR = {
    "seed": 4,
    "task": {"name": "interval_reproduction"},  # n_in = 3, n_out = 1: d = 4
    "model": {"units": 32, "activation": "linear", "rec_gain": 0.0, "noise": 0.0},
    "train": {"batch_size": 8, "max_steps": 30, "eval_every": 0, "eval_trials": 8, "threads": 1,
              "target_accuracy": 2.0, "optimizer": "sgd", "lr": 0.05, "save_weights_every": 1},
}


def test_linear_sgd_learning_is_within_the_rank_bound(tmp_path):
    d = 4
    rnnscope.train(LINEAR, out=tmp_path / "lin", progress=False)
    res = rnnscope.analyze_learning(tmp_path / "lin", ranks=[1, d, d * d], restarts=2)
    assert res["update_matrix_rank"].max() <= d, res["update_matrix_rank"]
    assert res["cumulative_matrix_rank"].max() <= d, res["cumulative_matrix_rank"]
    assert res["cp_relative_error"][2] < 1e-3, res["cp_relative_error"]
    for weight in ["W_in", "W_out"]:  # their changes lie in A too (rank <= d trivially for W_out)
        assert rnnscope.analyze_learning(tmp_path / "lin", ranks=1, weight=weight)["update_matrix_rank"].max() <= d

    # tanh and Adam leave the bound: only approximately low rank (docs/ltr.md lists numbers).
    tanh_adam = copy.deepcopy(LINEAR)
    tanh_adam["model"].update(activation="tanh", rec_gain=0.5)
    tanh_adam["train"].update(optimizer="adam", lr=0.01)
    rnnscope.train(tanh_adam, out=tmp_path / "tanh", progress=False)
    res = rnnscope.analyze_learning(tmp_path / "tanh", ranks=[1, d, d * d], restarts=2)
    assert res["update_matrix_rank"].max() > d
