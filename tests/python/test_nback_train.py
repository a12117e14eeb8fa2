"""N-back runs through `rnnscope train` and `rnnscope.train` (docs/nback.md "Training"): the run
contract on the CI-sized config (configs/ci/nback/multi_task.toml) with a tiny pretrained CNN,
the diets, resuming, and bad configs (one clear line)."""

import hashlib
import json
import pathlib
import shutil
import subprocess
import tomllib

import h5py
import numpy as np
import pytest

import rnnscope

CONFIG = pathlib.Path(__file__).resolve().parents[2] / "configs" / "ci" / "nback" / "multi_task.toml"
TASKS = [f"{f}_{n}back" for f in ("location", "identity", "category") for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    path = tmp_path_factory.mktemp("nback") / "cnn.h5"
    rnnscope.nback.pretrain(out=path, channels=[4, 8], epochs=1, train_images=500, seed=1, threads=1)
    return path


def train(cnn, out, *overrides, **kwargs):
    return rnnscope.train(str(CONFIG), out=out, overrides=[f"perception.cnn={cnn}", *overrides], progress=False,
                          **kwargs)


def test_cli_run_writes_the_run_contract_with_accuracy_per_task(cli, cnn, tmp_path):
    proc = subprocess.run([cli, "train", CONFIG, "--set", f"perception.cnn={cnn}", "--out", tmp_path / "run",
                           "--quiet"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "run"
    for name in ("config.toml", "summary.json", "history.h5", "model.h5", "checkpoint.pt"):
        assert (run / name).exists(), name
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == 20 and summary["task"] == "nback"
    assert list(summary["task_accuracy"]) == TASKS
    accuracy = [a for a in summary["task_accuracy"].values() if a is not None]
    assert accuracy and all(0 <= a <= 1 for a in accuracy)
    perception = summary["perception"]
    assert perception["cnn"] == str(cnn) and 0 < perception["cnn_test_accuracy"] <= 1
    for feature, classes in (("category", 2), ("identity", 2), ("location", 4)):
        decoding = perception["heldout_decoding"][feature]
        assert decoding["chance"] == pytest.approx(1 / classes)
        assert 0 <= decoding["accuracy"] <= 1
    # Location is where the object is drawn: a CNN that keeps position decodes it above chance.
    assert perception["heldout_decoding"]["location"]["accuracy"] > 0.5
    with h5py.File(run / "model.h5") as f:
        assert f.attrs["task"] == "nback" and f.attrs["finished"] == 1
        assert f["reduce/weight"].shape == (2, 8) and f["embed_norm/weight"].shape == (16,)
    with h5py.File(run / "history.h5") as f:
        assert list(f["step"][:]) == [10, 20]
    # The stored config holds the resolved sections, the CNN by its absolute path.
    stored = (run / "config.toml").read_text()
    stored = tomllib.loads(stored)
    assert stored["perception"]["cnn"] == str(cnn) and stored["stimuli"]["grid"] == 2
    # load_run reads it as any run; eval, built for the tasks of src/tasks, says it does not take it.
    assert rnnscope.load_run(run)["summary"]["task_accuracy"] == summary["task_accuracy"]
    proc = subprocess.run([cli, "eval", run, "--out", tmp_path / "eval.h5"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "an N-back run" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_resumed_run_ends_as_an_uninterrupted_one_and_a_diet_is_its_tasks(cnn, tmp_path):
    whole = train(cnn, tmp_path / "whole", "task.tasks=[\"category_1back\"]")
    assert list(whole["task_accuracy"]) == ["category_1back"]
    first = train(cnn, tmp_path / "split", "task.tasks=[\"category_1back\"]", stop_after=10)
    assert first["status"] == "interrupted" and first["steps"] == 10
    resumed = rnnscope.train(None, out=tmp_path / "split", resume=True, progress=False)
    assert resumed["status"] == "finished" and resumed["task_accuracy"] == whole["task_accuracy"]
    with h5py.File(tmp_path / "whole" / "model.h5") as a, h5py.File(tmp_path / "split" / "model.h5") as b:
        for name in ("reduce/weight", "embed/weight", "W_hh"):
            np.testing.assert_array_equal(a[name][:], b[name][:])


def test_a_run_records_its_cnn_hash_and_refuses_the_file_once_changed(cli, cnn, tmp_path):
    copy = tmp_path / "cnn.h5"
    shutil.copy(cnn, copy)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    done = train(copy, tmp_path / "done", "train.max_steps=2")
    assert done["perception"]["cnn_sha256"] == digest
    assert tomllib.loads((tmp_path / "done" / "config.toml").read_text())["perception"]["cnn_sha256"] == digest
    first = train(copy, tmp_path / "split", "train.max_steps=4", stop_after=2)
    assert first["status"] == "interrupted"
    with h5py.File(copy, "r+") as f:  # still a valid CNN file, with other bytes
        f.attrs["test_accuracy"] = 0.5
    message = "has changed since the run recorded it"
    with pytest.raises(ValueError, match=message):
        rnnscope.train(None, out=tmp_path / "split", resume=True, progress=False)
    proc = subprocess.run([cli, "analyze", tmp_path / "done", "--out", tmp_path / "a.h5"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "a.h5").exists()


@pytest.mark.parametrize("overrides, message", [
    (["perception.colour=1"], "[perception]: unknown key 'colour'; allowed keys: cnn, views"),
    (["task.tasks=[\"colour_1back\"]"], "[task] tasks[0] = \"colour_1back\" is not allowed; allowed: location_1back"),
    (["task.tasks=[]"], "the diet is empty"),
    (["task.tasks=[\"category_3back\"]", "nback.frames=3"], "needs more than 3 frames"),
    (["perception.cnn=/nonexistent/cnn.h5"], "[perception] cnn:"),
    (["train.replicas=2"], "N-back runs train one network"),
    (["perception.cnn_sha256=\"abc\""], "[perception] cnn_sha256: \"abc\" is not a SHA-256"),
])
def test_bad_configs_raise_one_clear_error(cnn, tmp_path, overrides, message):
    with pytest.raises((ValueError, FileNotFoundError)) as e:
        rnnscope.train(str(CONFIG), out=tmp_path / "run", overrides=[f"perception.cnn={cnn}", *overrides],
                       progress=False)
    assert message in str(e.value)
    assert not (tmp_path / "run").exists()


def test_cli_bad_configs_exit_2_with_one_line(cli, cnn, tmp_path):
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(b"not an hdf5 file")
    for args, message in (
        (["--set", f"perception.cnn={damaged}"], "[perception] cnn:"),
        (["--set", "task.name=go"], "[stimuli] belongs to N-back runs"),
    ):
        proc = subprocess.run([cli, "train", CONFIG, *args, "--out", tmp_path / "run"], capture_output=True,
                              text=True, timeout=60)
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
        assert not (tmp_path / "run").exists()


# `rnnscope analyze` / `rnnscope.analyze` (docs/nback.md "Analyses of a trained run") on the CI run.
# The published vanilla RNN (64 units): after the CI run's 20 steps its state right after a frame
# holds the object's location well above chance (the config's 16-unit GRU holds little yet).
@pytest.fixture(scope="module")
def trained(cnn, tmp_path_factory):
    run = tmp_path_factory.mktemp("nback-trained") / "run"
    train(cnn, run, 'model.type="ctrnn"', 'model.activation="tanh"', "model.tau=100", "model.units=64")
    return run


def test_analyze_writes_the_documented_layout_with_a_chance_beside_every_accuracy(cli, trained, tmp_path):
    out = tmp_path / "analysis.h5"
    proc = subprocess.run([cli, "analyze", trained, "--out", out, "--trials", "270", "--folds", "3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = (tmp_path / "analysis.md").read_text()
    assert summary.startswith("# N-back analyses of") and "Orthogonalisation index" in summary
    frames, features = 6, 3
    with h5py.File(out) as f:
        assert list(f["tasks"].asstr()[:]) == TASKS
        assert list(f["features"].asstr()[:]) == ["location", "identity", "category"]
        assert f["task_trials"][:].sum() == 270 and f.attrs["trials"] == 270 and f.attrs["folds"] == 3
        assert f["relevant"][:].tolist() == [[1, 0, 0]] * 3 + [[0, 1, 0]] * 3 + [[0, 0, 1]] * 3
        for name, shape in (("decoding", (9, features, frames, frames)), ("encoding_to_memory", (9, features, frames, frames)),
                            ("across_positions", (9, features, frames, frames)), ("cross_task", (features, 9, 9)),
                            ("procrustes", (9, frames, frames)), ("procrustes/swap_same_age", (9, frames, frames)),
                            ("procrustes/swap_next_age", (9, frames, frames)), ("orthogonality/cnn_decoding", (features,)),
                            ("orthogonality/rnn_decoding", (features,))):
            accuracy, chance = f[f"{name}/accuracy"][:], f[f"{name}/chance"][:]
            assert accuracy.shape == shape and chance.shape == shape, name
            assert (np.isnan(accuracy) == np.isnan(chance)).all(), name
            defined = accuracy[~np.isnan(accuracy)]
            assert defined.size and (defined >= 0).all() and (defined <= 1).all(), name
            assert (chance[~np.isnan(chance)] > 0).all() and (chance[~np.isnan(chance)] <= 1).all(), name
        decoding = f["decoding/accuracy"][:]
        s, t = np.meshgrid(np.arange(frames), np.arange(frames), indexing="ij")
        assert np.isnan(decoding[:, :, s > t]).all() and not np.isnan(decoding[:, :, s <= t]).any()
        for space in ("cnn", "rnn"):
            index = f[f"orthogonality/{space}"][:]
            assert index.shape == (features,) and ((index >= 0) & (index <= 1)).all()
        # The location tasks' own feature at its encoding step: well above chance (the CNN keeps
        # where the object is, and so does the state right after it).
        encoding = np.diagonal(decoding[:3, 0], axis1=1, axis2=2)
        chance = np.diagonal(f["decoding/chance"][:3, 0], axis1=1, axis2=2)
        assert encoding.mean() > chance.mean() + 0.2
        stored = {name: f[f"{name}/accuracy"][:] for name in ("decoding", "cross_task")}
    # The same request through Python, without a file: the same numbers (seeded), and with
    # states=True the arrays analysed: one row per trial, each frame's object, each trial's task.
    d = rnnscope.analyze(trained, trials=270, folds=3, states=True)
    for name, values in stored.items():
        np.testing.assert_array_equal(d[name]["accuracy"], values)
    states = d["states"]
    assert states["hidden"].shape == (270, frames, 64) and states["perceptual"].shape[:2] == (270, frames)
    assert states["objects"].shape == (270, frames, features) and set(np.unique(states["objects"][:, :, 0])) <= {0, 1, 2, 3}
    np.testing.assert_array_equal(np.bincount(states["task"], minlength=9), d["task_trials"])
    assert d["markdown"] == summary
    # An existing output is not overwritten without --force.
    proc = subprocess.run([cli, "analyze", trained, "--out", out], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--force" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_analyze_refuses_what_it_cannot_analyse_in_one_line(cli, tmp_path):
    other = tmp_path / "go"
    other.mkdir()
    (other / "config.toml").write_text(
        (pathlib.Path(__file__).resolve().parents[2] / "configs" / "ci" / "go.toml").read_text())
    for run, message in ((tmp_path / "missing", "run directory not found"), (other, "not an N-back run")):
        proc = subprocess.run([cli, "analyze", run, "--out", tmp_path / "a.h5"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        with pytest.raises((ValueError, FileNotFoundError), match=message):
            rnnscope.analyze(run)
    assert not (tmp_path / "a.h5").exists()
