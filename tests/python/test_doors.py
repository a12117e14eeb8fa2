"""The two doors give the same record for the same request: eval, ph and rtd files written by
the CLI and by Python hold the same datasets and attributes, and Python's returned dicts hold
the same names as the files; the model registry reads the same through both; errors name
each door's own spelling of an argument."""

import subprocess

import h5py
import numpy as np
import pytest

import rnnscope

from conftest import SMALL_CONFIG


def run(cli, *args, code=0):
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc


def h5_tree(path):
    """Every dataset (by path) and root attribute of an HDF5 file."""
    datasets = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, obj: datasets.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return datasets, attrs


def flatten(record, prefix=""):
    """A returned record dict as {"a/b": array} plus its scalar attributes."""
    arrays, attrs = {}, {}
    for key, value in record.items():
        if isinstance(value, dict):
            sub, _ = flatten(value, prefix + key + "/")
            arrays.update(sub)
        elif isinstance(value, np.ndarray):
            arrays[prefix + key] = value
        else:
            attrs[key] = value
    return arrays, attrs


def assert_same_files(a, b, ignore_attrs=()):
    (da, aa), (db, ab) = h5_tree(a), h5_tree(b)
    assert da.keys() == db.keys()
    for name in da:
        np.testing.assert_array_equal(da[name], db[name], err_msg=name)
        assert da[name].dtype == db[name].dtype, name
    for key in ignore_attrs:
        aa.pop(key), ab.pop(key)
    assert aa == ab


def assert_dict_matches_file(record, path, ignore_attrs=()):
    arrays, attrs = flatten(record)
    datasets, file_attrs = h5_tree(path)
    assert arrays.keys() == datasets.keys()
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], datasets[name], err_msg=name)
    for key in ignore_attrs:
        attrs.pop(key, None), file_attrs.pop(key, None)
    assert attrs == file_attrs


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("doors") / "run"
    rnnscope.train(SMALL_CONFIG, out=out, progress=False)
    return out


def test_eval_record_is_the_same_through_both_doors(cli, trained, tmp_path):
    run(cli, "eval", trained, "--trials", 6, "--no-noise", "--seed", 4, "--out", tmp_path / "cli.h5")
    record = rnnscope.evaluate(trained, trials=6, noise=False, seed=4, out=tmp_path / "py.h5")
    assert_same_files(tmp_path / "cli.h5", tmp_path / "py.h5")
    assert_dict_matches_file(record, tmp_path / "py.h5")
    assert set(record["conditions"]) and set(record["periods"])


def test_ph_and_rtd_records_are_the_same_through_both_doors(cli, tmp_path):
    rng = np.random.default_rng(0)
    p, q = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    with h5py.File(tmp_path / "in.h5", "w") as f:
        f["p"], f["q"] = p, q
    run(cli, "ph", f"{tmp_path / 'in.h5'}:/p", "--out", tmp_path / "cli_ph.h5")
    bars = rnnscope.ph(p, out=tmp_path / "py_ph.h5")
    assert_same_files(tmp_path / "cli_ph.h5", tmp_path / "py_ph.h5", ignore_attrs=["source"])
    with h5py.File(tmp_path / "py_ph.h5") as f:
        for dim, b in enumerate(bars):
            np.testing.assert_array_equal(f[f"dim{dim}"][()], b)

    args = ["--trials", 2, "--batch", 30, "--seed", 5]
    run(cli, "rtd", f"{tmp_path / 'in.h5'}:/p", f"{tmp_path / 'in.h5'}:/q", *args, "--out", tmp_path / "cli_rtd.h5")
    score, per_trial = rnnscope.rtd(p, q, trials=2, batch=30, seed=5, return_trials=True,
                                    out=tmp_path / "py_rtd.h5")
    assert_same_files(tmp_path / "cli_rtd.h5", tmp_path / "py_rtd.h5", ignore_attrs=["p", "q"])
    record = rnnscope._core.rtd(p, q, trials=2, batch=30, seed=5)
    assert_dict_matches_file(record, tmp_path / "py_rtd.h5", ignore_attrs=["p", "q"])
    with h5py.File(tmp_path / "cli_rtd.h5") as f:
        assert score == f["score"][0]
        np.testing.assert_array_equal(per_trial, f["trial_scores"][()])


def test_load_run_reads_what_the_files_hold(trained):
    run_ = rnnscope.load_run(trained)
    for name in ("model", "history"):
        datasets, attrs = h5_tree(trained / f"{name}.h5")
        assert run_[name].keys() == datasets.keys()
        for key, value in datasets.items():
            np.testing.assert_array_equal(run_[name][key], value)
        assert run_[name + "_attrs"] == attrs
    assert run_["summary"]["status"] == "finished"
    assert run_["config"]["model"]["type"] == "ctrnn"


def test_model_registry_through_both_doors(cli):
    listing = run(cli, "models").stdout
    assert rnnscope.models.names() == ["ctrnn", "gru", "lstm"]
    for name in rnnscope.models.names():
        assert name in listing
        assert run(cli, "models", "show", name).stdout == rnnscope.models.describe(name)
    keys = [p["name"] for p in rnnscope.models.params("gru")]
    assert keys == ["engine", "units", "learn_x0"]
    # The per-type declarations validate configs: a rate-network key is unknown to a GRU.
    proc = run(cli, "train", "--out", "/nonexistent/x", "--set", "task.name=perceptual_dm",
               "--set", "model.type=gru", "--set", "model.tau=50", code=2)
    assert "unknown key 'tau'" in proc.stderr
    proc = run(cli, "models", "show", "nope", code=2)
    assert "allowed: ctrnn, gru, lstm" in proc.stderr


def test_errors_name_each_doors_spelling(cli, trained, tmp_path):
    proc = run(cli, "eval", trained, "--trials", 0, code=2)
    assert "--trials N" in proc.stderr
    with pytest.raises(ValueError, match="trials=N"):
        rnnscope.evaluate(trained, trials=0)
    proc = run(cli, "train", "--out", trained, "--resume", "--force", code=2)
    assert "--force and --resume exclude each other" in proc.stderr
    with pytest.raises(ValueError, match="force=True and resume=True exclude each other"):
        rnnscope.train(None, out=trained, force=True, resume=True)
    proc = run(cli, "train", "--out", tmp_path / "x", "--set", "model.units", code=2)
    assert "--set 'model.units': expected section.key=value" in proc.stderr
    with pytest.raises(ValueError, match="overrides 'model.units': expected section.key=value"):
        rnnscope.train(SMALL_CONFIG, out=tmp_path / "y", overrides=["model.units"])
