"""N-back runs through `rnnscope train` and `rnnscope.train` (docs/nback.md "Training"): the run
contract on the CI-sized config (configs/ci/nback/multi_task.toml) with a tiny pretrained CNN,
the diets, resuming, and bad configs (one clear line)."""

import json
import pathlib
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


@pytest.mark.parametrize("overrides, message", [
    (["perception.colour=1"], "[perception]: unknown key 'colour'; allowed keys: cnn, views"),
    (["task.tasks=[\"colour_1back\"]"], "[task] tasks[0] = \"colour_1back\" is not allowed; allowed: location_1back"),
    (["task.tasks=[]"], "the diet is empty"),
    (["task.tasks=[\"category_3back\"]", "nback.frames=3"], "needs more than 3 frames"),
    (["perception.cnn=/nonexistent/cnn.h5"], "[perception] cnn:"),
    (["train.replicas=2"], "N-back runs train one network"),
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
