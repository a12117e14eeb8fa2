"""train.replicas = K end to end through the `rnnscope` program and the Python door: K CTRNNs
of one config trained at once, their files with a leading replica axis, `rnnscope eval` of
all replicas or one, replica 0 equal to the run with one replica and the same seed, and bad K
refused with one line."""

import json

import h5py
import numpy as np
import pytest
from matplotlib import pyplot

import rnnscope
from conftest import SMALL_CONFIG, run_cli as run, toml_text

# The suite's small run, without gradient clipping (so that replica 0 equals the single run
# bit for bit, not only to rounding).
TINY_TOML = toml_text({**SMALL_CONFIG, "train": {**SMALL_CONFIG["train"], "grad_clip": 0.0}})
UNITS = SMALL_CONFIG["model"]["units"]
SNAPSHOT_EVERY = 4  # weight snapshots for analyze-learning


def one_line_error(proc):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def runs(cli, tmp_path_factory):
    """A run of 3 replicas and the run of one replica with the same seed."""
    root = tmp_path_factory.mktemp("replicas")
    config = root / "tiny.toml"
    config.write_text(TINY_TOML)
    for name, k in (("three", 3), ("one", 1)):
        proc = run(cli, "train", config, "--out", root / name, "--set", f"train.replicas={k}",
                   "--set", f"train.save_weights_every={SNAPSHOT_EVERY}")
        assert proc.returncode == 0, proc.stderr
    return root


def test_files_carry_a_leading_replica_axis(runs):
    with h5py.File(runs / "three" / "model.h5") as f:
        assert f.attrs["replicas"] == 3
        assert f["W_rec"].shape == (3, UNITS, UNITS)
        assert f["W_out"].shape[0] == 3 and f["b"].shape == (3, UNITS)
        w = f["W_rec"][()]
    assert not np.array_equal(w[0], w[1])
    with h5py.File(runs / "three" / "history.h5") as f:
        assert f["accuracy"].shape == (2, 3) and f["loss"].shape == (2, 3)
    summary = json.loads((runs / "three" / "summary.json").read_text())
    assert len(summary["final_accuracy"]) == 3
    assert summary["train_steps_per_second"] > 0
    # One replica keeps the single network's layout.
    with h5py.File(runs / "one" / "model.h5") as f:
        assert "replicas" not in f.attrs and f["W_rec"].shape == (UNITS, UNITS)


def test_replica_zero_is_the_run_with_one_replica(runs):
    with h5py.File(runs / "three" / "model.h5") as three, h5py.File(runs / "one" / "model.h5") as one:
        for name in ("W_in", "W_rec", "b", "W_out", "b_out"):
            np.testing.assert_array_equal(three[name][0], one[name][()], err_msg=name)
    with h5py.File(runs / "three" / "history.h5") as three, h5py.File(runs / "one" / "history.h5") as one:
        np.testing.assert_array_equal(three["loss"][:, 0], one["loss"][()])
        # Each replica's own training loss, not the mean over replicas in every column.
        np.testing.assert_array_equal(three["train_loss"][:, 0], one["train_loss"][()])
        assert not np.array_equal(three["train_loss"][:, 0], three["train_loss"][:, 1])


def test_eval_all_replicas_or_one(cli, runs, tmp_path):
    out = tmp_path / "all.h5"
    proc = run(cli, "eval", runs / "three", "--trials", 10, "--no-noise", "--out", out)
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out) as f:
        assert f.attrs["replicas"] == 3
        assert f["outputs"].shape[:2] == (3, 10) and f["states"].shape[0] == 3
        assert f["correct"].shape == (3, 10) and f["replica_accuracy"].shape == (3,)
        all_outputs = f["outputs"][()]
        assert f.attrs["accuracy"] == pytest.approx(f["replica_accuracy"][()].mean())
    single = rnnscope.evaluate(runs / "three", trials=10, noise=False, replica=2)
    assert single["outputs"].shape == all_outputs.shape[1:]
    np.testing.assert_array_equal(single["outputs"], all_outputs[2])
    # Replica 0 evaluates as the run with one replica.
    alone = rnnscope.evaluate(runs / "one", trials=10, noise=False)
    np.testing.assert_array_equal(alone["outputs"], all_outputs[0])


def test_analyze_learning_per_replica(runs):
    # Every replica with a leading axis; replica 0's analysis is that of the run of one network.
    both = rnnscope.analyze_learning(runs / "three", ranks=2, restarts=1)
    assert both["replicas"] == 3
    assert both["update_singular_values"].shape == (3, len(both["steps"]) - 1, UNITS)
    alone = rnnscope.analyze_learning(runs / "one", ranks=2, restarts=1)
    first = rnnscope.analyze_learning(runs / "three", ranks=2, restarts=1, replica=0)
    for name in ("update_singular_values", "update_matrix_rank", "cp_relative_error"):
        np.testing.assert_array_equal(first[name], alone[name], err_msg=name)
        np.testing.assert_array_equal(both[name][0], alone[name], err_msg=name)
    assert not np.array_equal(both["update_singular_values"][1], alone["update_singular_values"])


def test_bad_replica_arguments_are_one_line(cli, runs, tmp_path):
    assert "0 to 2" in one_line_error(run(cli, "eval", runs / "three", "--trials", 4, "--replica", 3))
    assert "holds one network" in one_line_error(run(cli, "eval", runs / "one", "--trials", 4, "--replica", 0))
    with pytest.raises(ValueError, match="0 to 2"):
        rnnscope.evaluate(runs / "three", trials=4, replica=-1)
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_TOML)
    for k in (0, -3):
        line = one_line_error(run(cli, "train", config, "--out", tmp_path / "bad", "--set", f"train.replicas={k}"))
        assert "train.replicas" in line and ">= 1" in line, line
    line = one_line_error(run(cli, "train", config, "--out", tmp_path / "huge", "--set", "train.replicas=2000000000"))
    assert "train.replicas = 2000000000" in line and "more than the available memory" in line, line
    line = one_line_error(run(cli, "train", config, "--out", tmp_path / "gru", "--set", "model.type=gru",
                              "--set", "train.replicas=2"))
    assert 'replicas need type = "ctrnn"' in line, line


def test_report_of_a_replicated_run_draws_every_learning_curve_and_replica_0(cli, runs, tmp_path):
    proc = run(cli, "report", runs / "three", "--out", tmp_path / "r.html")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "r.html").read_text()
    assert "of replica 0 (of 3)" in text and "each of the 3 replicas a thin line" in text
    # The learning curve: each replica's accuracy a thin line, their mean the one in the legend.
    loaded = rnnscope.load_run(runs / "three")
    ax = rnnscope.plot.learning_curve(loaded)
    accuracy = np.asarray(loaded["history"]["accuracy"])
    drawn = [line.get_ydata() for line in ax.get_lines()]
    assert len(drawn) == 4
    for k in range(3):
        np.testing.assert_array_equal(drawn[k], accuracy[:, k])
    np.testing.assert_allclose(drawn[3], accuracy.mean(axis=1))
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "accuracy (mean of 3; thin: each replica)"
    pyplot.close(ax.figure)


def test_a_sweep_cell_with_replicas_reports_their_mean_accuracy(cli, tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('seeds = [5]\n[base]\n' + TINY_TOML.replace("[task]", "[base.task]")
                     .replace("[model]", "[base.model]").replace("[train]", "[base.train]").replace("seed = 3\n", "")
                     + '[axes]\n"train.replicas" = [3]\n')
    proc = run(cli, "sweep", sweep, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    cell = next(p for p in (tmp_path / "out" / "cells").iterdir())
    per_replica = json.loads((cell / "summary.json").read_text())["final_accuracy"]
    with h5py.File(tmp_path / "out" / "results.h5") as f:
        assert f["final_accuracy"][0] == pytest.approx(np.mean(per_replica))
