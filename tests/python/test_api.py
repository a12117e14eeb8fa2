"""The Python door: tasks, train, load_run, evaluate; errors as exceptions; the eval file
checked against a plain numpy re-implementation of the CTRNN update from the saved weights."""

import copy
import sys
import types

import h5py
import numpy as np
import pytest

import rnnscope
from conftest import SMALL_CONFIG


def test_task_registry_and_batches():
    names = rnnscope.tasks.names()
    for expected in ["perceptual_dm", "context_dm", "delayed_match", "n_parity", "interval_reproduction", "centre_out_reach"]:
        assert expected in names
    task = rnnscope.tasks.make("perceptual_dm", dt=20)
    b = task.batch(8, seed=1)
    T = b["inputs"].shape[0]
    assert b["inputs"].shape == (T, 8, task.info["n_inputs"])
    assert b["targets"].shape == (T, 8, task.info["n_outputs"])
    assert b["mask"].shape == (T, 8)
    assert all(v.shape == (8,) for v in b["conditions"].values())
    again = task.batch(8, seed=1)
    np.testing.assert_array_equal(b["inputs"], again["inputs"])
    assert "criterion" in task.info and task.info["criterion"]
    assert "perceptual_dm" in rnnscope.tasks.describe("perceptual_dm")


@pytest.mark.parametrize("call", [
    lambda: rnnscope.tasks.make("no_such_task"),
    lambda: rnnscope.tasks.make("perceptual_dm", dt=-5),
    lambda: rnnscope.tasks.make("perceptual_dm", bogus=1),
    lambda: rnnscope.tasks.make("perceptual_dm", dt=float("nan")),
    lambda: rnnscope.tasks.make("perceptual_dm", dt="fast"),
])
def test_bad_task_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def _numpy_ctrnn(model, inputs):
    """x_{t+1} = (1-a) x_t + a (W_rec f(x_t) + W_in u_t + b);  y_t = W_out f(x_{t+1}) + b_out."""
    alpha = model["attrs"]["alpha"]
    f = {"relu": lambda x: np.maximum(x, 0), "tanh": np.tanh,
         "softplus": lambda x: np.log1p(np.exp(x))}[model["attrs"]["activation"]]
    w = model["arrays"]
    trials, steps, _ = inputs.shape
    x = np.tile(w["x0"].astype(np.float64), (trials, 1))
    states, outputs = [], []
    for t in range(steps):
        x = (1 - alpha) * x + alpha * (f(x) @ w["W_rec"].T + inputs[:, t] @ w["W_in"].T + w["b"])
        states.append(x)
        outputs.append(f(x) @ w["W_out"].T + w["b_out"])
    return np.stack(states, 1), np.stack(outputs, 1)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_train_evaluate_and_numpy_reimplementation(tmp_path, activation):
    cfg = copy.deepcopy(SMALL_CONFIG)
    cfg["model"]["activation"] = activation
    summary = rnnscope.train(cfg, out=tmp_path / "run", progress=False)
    for key in ["task", "model", "seed", "version", "steps", "final_accuracy", "wall_seconds",
                "train_steps_per_second"]:
        assert key in summary
    assert summary["steps"] == 20
    run = rnnscope.load_run(tmp_path / "run")
    assert run["model"]["W_rec"].shape == (24, 24)
    assert run["model"]["W_in"].shape[0] == 24
    assert run["history"]["step"].tolist() == [10, 20]
    assert run["config"]["model"]["activation"] == activation

    ev = rnnscope.evaluate(tmp_path / "run", trials=5, noise=False, out=tmp_path / "eval.h5")
    model = {"arrays": run["model"], "attrs": run["model_attrs"]}
    states, outputs = _numpy_ctrnn(model, ev["inputs"].astype(np.float64))
    np.testing.assert_allclose(ev["states"], states, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ev["outputs"], outputs, rtol=1e-4, atol=1e-5)

    # Two lines with h5py, as the README shows.
    with h5py.File(tmp_path / "eval.h5") as f:
        np.testing.assert_array_equal(f["states"][:], ev["states"])
        assert f["correct"].shape == (5,)
        assert set(f["conditions"].keys()) == set(ev["conditions"].keys())


def test_train_overrides_and_resume_match_uninterrupted(tmp_path):
    cfg = copy.deepcopy(SMALL_CONFIG)
    straight = rnnscope.train(cfg, out=tmp_path / "a", overrides={"train.max_steps": 24}, progress=False)
    part = rnnscope.train(cfg, out=tmp_path / "b", overrides={"train.max_steps": 24}, stop_after=11,
                          progress=False)
    assert part["status"] == "interrupted"
    seen = []
    rnnscope.train(None, out=tmp_path / "b", resume=True, progress=seen.append)
    assert seen and seen[-1]["step"] == 24
    a, b = rnnscope.load_run(tmp_path / "a"), rnnscope.load_run(tmp_path / "b")
    for name in ["W_in", "W_rec", "W_out", "b", "b_out"]:
        np.testing.assert_array_equal(a["model"][name], b["model"][name])
    assert straight["steps"] == 24


def test_a_finished_run_continues_with_a_larger_budget_as_if_trained_straight(tmp_path):
    cfg = copy.deepcopy(SMALL_CONFIG)
    straight = rnnscope.train(cfg, out=tmp_path / "straight", overrides={"train.max_steps": 30}, progress=False)
    first = rnnscope.train(cfg, out=tmp_path / "run", progress=False)
    assert first["status"] == "finished" and first["steps"] == 20
    more = rnnscope.train(None, out=tmp_path / "run", resume=True, overrides={"train.max_steps": 30}, progress=False)
    assert more["status"] == "finished" and more["steps"] == 30 == straight["steps"]
    a, b = rnnscope.load_run(tmp_path / "straight"), rnnscope.load_run(tmp_path / "run")
    for name in ["W_in", "W_rec", "W_out", "b", "b_out"]:
        np.testing.assert_array_equal(a["model"][name], b["model"][name])
    np.testing.assert_array_equal(a["history"]["loss"], b["history"]["loss"])
    assert b["config"]["train"]["max_steps"] == 30
    with h5py.File(tmp_path / "run" / "history.h5") as h:
        assert list(h["continuations/step"][:]) == [20]
        assert list(h["continuations/changes"].asstr()[:]) == ["train.max_steps: 20 -> 30"]
    # A lower learning rate is a continuation too, and it takes effect.
    rnnscope.train(None, out=tmp_path / "run", resume=True, progress=False,
                   overrides={"train.max_steps": 40, "train.lr": 1e-6})
    rnnscope.train(None, out=tmp_path / "straight", resume=True, progress=False, overrides={"train.max_steps": 40})
    slow, fast = rnnscope.load_run(tmp_path / "run"), rnnscope.load_run(tmp_path / "straight")
    assert not np.array_equal(slow["model"]["W_rec"], fast["model"]["W_rec"])
    np.testing.assert_allclose(slow["model"]["W_rec"], b["model"]["W_rec"], atol=1e-4)
    with h5py.File(tmp_path / "run" / "history.h5") as h:
        assert list(h["continuations/step"][:]) == [20, 30]
        assert h["continuations/changes"].asstr()[1] == "train.lr: 0.001 -> 1e-06; train.max_steps: 30 -> 40"


def test_a_continued_run_keeps_its_network_data_and_evaluation_set(tmp_path):
    rnnscope.train(SMALL_CONFIG, out=tmp_path / "run", progress=False)
    for key, value in [("model.units", 9), ("train.batch_size", 8), ("seed", 4), ("train.eval_trials", 8)]:
        with pytest.raises(ValueError, match=f"cannot resume with {key}: .* may change only train.max_steps"):
            rnnscope.train(None, out=tmp_path / "run", resume=True, overrides={key: value}, progress=False)
    with pytest.raises(ValueError, match=r"already finished.*overrides=\{'train.max_steps': N\}"):
        rnnscope.train(None, out=tmp_path / "run", resume=True, progress=False)
    with pytest.raises(ValueError, match="has done 20 steps and train.max_steps is 10"):
        rnnscope.train(None, out=tmp_path / "run", resume=True, overrides={"train.max_steps": 10}, progress=False)


def test_an_interrupted_run_has_a_model_to_evaluate_and_load(tmp_path):
    rnnscope.train(SMALL_CONFIG, out=tmp_path / "run", stop_after=7, progress=False)
    with h5py.File(tmp_path / "run" / "model.h5") as f:
        assert (f.attrs["step"], f.attrs["finished"]) == (7, 0)
    assert rnnscope.load_run(tmp_path / "run")["model"]["W_rec"].shape == (24, 24)
    assert rnnscope.evaluate(tmp_path / "run", trials=4)["states"].shape[0] == 4
    rnnscope.train(None, out=tmp_path / "run", resume=True, progress=False)
    with h5py.File(tmp_path / "run" / "model.h5") as f:
        assert (f.attrs["step"], f.attrs["finished"]) == (20, 1)


def test_train_errors_are_python_exceptions(tmp_path):
    with pytest.raises(ValueError, match="unknown key 'unitz'"):
        rnnscope.train({"task": {"name": "perceptual_dm"}, "model": {"unitz": 3}}, out=tmp_path / "x")
    with pytest.raises(ValueError, match="units"):
        rnnscope.train(SMALL_CONFIG, out=tmp_path / "x", overrides={"model.units": -1})
    with pytest.raises(FileNotFoundError):
        rnnscope.train(str(tmp_path / "missing.toml"), out=tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        rnnscope.load_run(tmp_path / "nothing")
    rnnscope.train(SMALL_CONFIG, out=tmp_path / "once", progress=False,
                   overrides={"train.max_steps": 2})
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.train(SMALL_CONFIG, out=tmp_path / "once", progress=False)
    with pytest.raises(ValueError, match="already exists"):
        rnnscope.evaluate(tmp_path / "once", trials=2, out=tmp_path / "once" / "config.toml")


def test_python_progress_has_an_eta_and_a_closing_line_and_a_bar_in_notebooks(tmp_path, capsys, monkeypatch):
    rnnscope.train(SMALL_CONFIG, out=tmp_path / "plain")
    lines = capsys.readouterr().err.splitlines()
    # Not a terminal: plain lines (the first from the second step on, whose rate leaves out
    # the first step's start-up; then at most every 10 s and at each evaluation: steps 10
    # and 20), then the closing line.
    assert [l.split()[1] for l in lines[:-1]] == ["2/20", "10/20", "20/20"] and all("ETA" in l for l in lines[:-1])
    assert lines[-1].startswith("done: 20 steps, max_steps, final accuracy")
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    rnnscope.train(SMALL_CONFIG, out=tmp_path / "notebook")
    err = capsys.readouterr().err
    assert "\r" in err and "100%|████████████████████| step 20/20" in err
