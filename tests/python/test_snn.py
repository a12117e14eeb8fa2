"""The spiking network through both doors (docs/snn.md): `rnnscope snn simulate|train` and
`rnnscope.snn` on a tiny network give the same records, the raster and the counts agree, a
rate sequence drives the channels row by row, STDP and surrogate-gradient training beat chance
and write their run directories, and bad configs or inputs give one line naming what is wrong."""

import json
import subprocess

import h5py
import numpy as np
import pytest

import rnnscope

from conftest import toml_text

TINY = {
    "seed": 2,
    "network": {"n_excitatory": 80, "n_inhibitory": 20, "p_ee": 0.2},
    "input": {"n_inputs": 30, "input_mv": 2.0},
    "simulation": {"duration_ms": 300, "segment_ms": 100, "input_rate_hz": 10.0},
    "stdp": {"rule": "het_stdp"},
    "data": {"classes": 3, "train_samples": 30, "test_samples": 30, "sample_ms": 60, "rest_ms": 10},
}


def run(cli, *args, code=0):
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "snn.toml"
    path.write_text(toml_text(TINY))
    return path


def test_simulate_gives_the_same_record_through_both_doors(cli, config, tmp_path):
    out = tmp_path / "spikes.h5"
    printed = run(cli, "snn", "simulate", config, "--out", out).stdout
    record = rnnscope.snn.simulate(TINY)
    assert printed.startswith(f"{record['spikes']} spikes in 300 ms")
    with h5py.File(out) as f:
        for name in ("spike_times_ms", "spike_ids", "counts", "segment_start_ms", "tau_m_ms"):
            np.testing.assert_array_equal(f[name][()], record[name])
        assert f.attrs["rate_e_hz"] == record["rate_e_hz"]
    n = 100
    assert record["counts"].shape == (3, n)
    assert record["counts"].sum() == record["spikes"] == len(record["spike_ids"]) > 0
    assert np.all(np.diff(record["spike_times_ms"]) >= 0)
    for g, start in enumerate(record["segment_start_ms"]):
        in_segment = (record["spike_times_ms"] >= start) & (record["spike_times_ms"] < start + 100)
        np.testing.assert_array_equal(np.bincount(record["spike_ids"][in_segment], minlength=n), record["counts"][g])
    # The same config and seed give the same raster; another seed another one.
    again = rnnscope.snn.simulate(str(config))
    np.testing.assert_array_equal(again["spike_ids"], record["spike_ids"])
    other = rnnscope.snn.simulate(TINY, overrides={"seed": 3})
    assert not np.array_equal(other["spike_ids"], record["spike_ids"])
    run(cli, "snn", "simulate", config, "--out", out, code=2)  # exists: needs --force


def test_a_rate_sequence_drives_the_channels_row_by_row(config):
    # The background is off: only the channels drive the network, the first half of them in the
    # first 150 ms, none after, so every spike falls in the first half (plus the decay).
    rates = np.zeros((2, 30))
    rates[0, :] = 200.0
    quiet = {"input.background_inputs": 0, "network.p_ee": 0.0}
    r = rnnscope.snn.simulate(str(config), rates=rates, row_ms=150, overrides=quiet)
    assert r["spikes"] > 0
    assert r["spike_times_ms"].max() < 160
    silent = rnnscope.snn.simulate(str(config), rates=np.zeros((1, 30)), overrides=quiet)
    assert silent["spikes"] == 0


def test_stdp_training_beats_chance_and_writes_its_run(cli, config, tmp_path):
    out = tmp_path / "run"
    printed = run(cli, "snn", "train", config, "--out", out).stdout
    assert "het_stdp: test accuracy" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rule"] == "het_stdp" and summary["chance"] == pytest.approx(1 / 3)
    assert summary["test_accuracy"] > 0.6, summary
    assert summary["w_ee_mean_final"] != summary["w_ee_mean_initial"]
    assert "[stdp]" in (out / "config.toml").read_text()
    with h5py.File(out / "snn.h5") as f:
        synapses = len(f["w_ee"])
        assert f["ee_row_start"][-1] == synapses == len(f["a_plus"]) == len(f["tau_minus_ms"])
        assert np.all(f["a_minus"][()] < 0)
        assert f["train_counts"].shape == (30, 80) and f["readout_normals"].shape == (3, 80)
        assert np.all((f["w_ee"][()] >= 0) & (f["w_ee"][()] <= 1))
        # The stored readout reproduces the reported test accuracy.
        z = (f["test_counts"][()] - f["readout_mean"][()]) / f["readout_scale"][()]
        scores = z @ f["readout_normals"][()].T + f["readout_intercepts"][()]
        assert np.mean(scores.argmax(axis=1) == f["test_labels"][()]) == pytest.approx(summary["test_accuracy"])
    py = rnnscope.snn.train(TINY, out=tmp_path / "run_py")
    assert py["test_accuracy"] == summary["test_accuracy"]
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.snn.train(TINY, out=tmp_path / "run_py")
    # snn eval: the frozen network per time segment, the same record through both doors.
    printed = run(cli, "snn", "eval", out, "--out", tmp_path / "eval.h5", "--segments", 4).stdout
    assert printed.startswith("het_stdp: test accuracy")
    record = rnnscope.snn.eval(out, segments=4)
    with h5py.File(tmp_path / "eval.h5") as f:
        for name in ("counts", "traces", "segment_start_ms", "inputs", "scores", "labels"):
            np.testing.assert_array_equal(f[name][()], record[name])
    assert record["counts"].shape == record["traces"].shape == (30, 4, 80)
    np.testing.assert_array_equal(record["segment_start_ms"], [0, 15, 30, 45])
    assert record["counts"].sum() > 0 and (record["traces"] >= 0).all()
    assert record["scores"].shape == (30, 3) and record["test_accuracy"] > 0.6
    np.testing.assert_array_equal(record["labels"], np.arange(30) % 3)
    run(cli, "snn", "eval", out, "--out", tmp_path / "eval.h5", code=2)  # exists: needs --force
    with pytest.raises(ValueError, match="not a run directory of `snn train`"):
        rnnscope.snn.eval(tmp_path)


# Surrogate-gradient training on the tiny network's patterns: 50 LIF units, 60 steps per sample.
SURROGATE = {"stdp.rule": "surrogate", "network.n_excitatory": 40, "network.n_inhibitory": 10,
             "surrogate.epochs": 12, "surrogate.lr": 0.01, "surrogate.threads": 1}


def test_surrogate_training_learns_and_writes_its_run_through_both_doors(cli, config, tmp_path):
    out = tmp_path / "run"
    sets = [a for k, v in SURROGATE.items() for a in ("--set", f"{k}={v}")]
    printed = run(cli, "snn", "train", config, "--out", out, *sets).stdout
    assert "surrogate: test accuracy" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rule"] == "surrogate" and summary["steps"] == 60 and summary["threads"] == 1
    assert summary["test_accuracy"] >= 0.8, summary  # chance 1/3
    assert "[surrogate]" in (out / "config.toml").read_text()
    with h5py.File(out / "snn.h5") as f:
        assert f["w_rec"].shape == (50, 50) and f["w_in"].shape == (50, 30)
        assert f["test_counts"].shape == (30, 50) and f["loss"].shape == (12,)
        assert f["loss"][-1] < f["loss"][0]
        assert f["rate_hz"].shape == (12,) and np.all(f["rate_hz"][()] > 0)
        assert f["epoch_seconds"].shape == (12,) and np.all(f["epoch_seconds"][()] > 0)
        # The stored readout reproduces the reported test accuracy.
        scores = f["test_counts"][()] @ f["readout_weight"][()].T + f["readout_bias"][()]
        assert np.mean(scores.argmax(axis=1) == f["test_labels"][()]) == pytest.approx(summary["test_accuracy"])
        w_rec = f["w_rec"][()]
    # The Python door, same seed: the same run, bit for bit.
    py = rnnscope.snn.train(TINY, out=tmp_path / "run_py", overrides=SURROGATE)
    assert py["test_accuracy"] == summary["test_accuracy"] and py["loss_final"] == summary["loss_final"]
    with h5py.File(tmp_path / "run_py" / "snn.h5") as f:
        np.testing.assert_array_equal(f["w_rec"][()], w_rec)
        test_counts = f["test_counts"][()]
    # snn eval sees the run's own test spike trains: its segments add up to the run's counts.
    run(cli, "snn", "eval", out, "--out", tmp_path / "eval.h5")
    with h5py.File(tmp_path / "eval.h5") as f:
        assert f["counts"].shape == (30, 3, 50) and f.attrs["rule"] == "surrogate"
        np.testing.assert_array_equal(f["counts"][()].sum(axis=1), test_counts)
        assert f.attrs["test_accuracy"] == summary["test_accuracy"]


def test_a_lower_input_scale_starts_the_network_at_lower_rates(tmp_path):
    spread, rates = [], []
    for scale in (1.0, 0.3):
        out = tmp_path / f"r{scale}"
        rnnscope.snn.train(TINY, out=out, overrides={**SURROGATE, "surrogate.epochs": 1, "surrogate.input_scale": scale})
        with h5py.File(out / "snn.h5") as f:
            spread.append(f["w_in"][()].std())
            rates.append(f["rate_hz"][0])  # the first epoch's, from the initial weights on
    assert spread[1] / spread[0] == pytest.approx(0.3, rel=0.1)  # one epoch of Adam moves them little
    assert rates[1] < 0.5 * rates[0], rates


def test_a_surrogate_too_steep_for_the_recurrence_stops_with_one_line(cli, config, tmp_path):
    # arctan of slope 100 peaks at 50: δ grows through the 200 steps of a sample until it
    # overflows in the first backward pass (without the check: NaN weights, a silent network).
    settings = {**SURROGATE, "surrogate.function": "arctan", "surrogate.slope": 100, "surrogate.epochs": 1,
                "surrogate.lr": 0.002, "data.sample_ms": 200, "network.n_excitatory": 240, "network.n_inhibitory": 60}
    sets = [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    err = run(cli, "snn", "train", config, "--out", tmp_path / "r", *sets, code=2).stderr
    assert "gradients overflowed in epoch 1" in err and "lower surrogate.slope" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("setting, message", [
    ("surrogate.function=boxcar", "fast_sigmoid, arctan, triangle"),
    ("surrogate.lr=0", "lr"),
    ("surrogate.batch=0", "batch"),
    ("surrogate.loss=hinge", "cross_entropy, mse"),
    ("surrogate.momentum=0.9", "momentum"),
    ("surrogate.dt_ms=100", "sample_ms must be at least [surrogate] dt_ms"),
    ("surrogate.threads=-1", "threads"),
])
def test_bad_surrogate_configs_give_one_line(cli, config, tmp_path, setting, message):
    err = run(cli, "snn", "train", config, "--out", tmp_path / "r", "--set", "stdp.rule=surrogate",
              "--set", setting, code=2).stderr
    assert message in err and err.count("\n") == 1, err
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        rnnscope.snn.train(TINY, out=tmp_path / "r_py", overrides=["stdp.rule=surrogate", setting])
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("setting, message", [
    ("stdp.rule=oja", "rule"),
    ("stdp.rule=surrogate", "training rule of `snn train`"),
    ("network.v_reset_mv=-40", "v_reset_mv must be below v_threshold_mv"),
    ("network.n_excitatory=0", "n_excitatory"),
    ("networks.p=1", "allowed: seed, [network]"),
])
def test_bad_configs_give_one_line(cli, config, setting, message):
    err = run(cli, "snn", "simulate", config, "--set", setting, code=2).stderr
    assert message in err and err.count("\n") == 1
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        rnnscope.snn.simulate(TINY, overrides=[setting])


def test_bad_inputs_name_what_is_allowed(cli, config, tmp_path):
    with pytest.raises(ValueError, match=r"rates: expected an array \[rows, input.n_inputs = 30\]"):
        rnnscope.snn.simulate(TINY, rates=np.zeros((2, 5)), row_ms=10)
    with pytest.raises(ValueError, match="row_ms must be > 0"):
        rnnscope.snn.simulate(TINY, rates=np.zeros((2, 30)))
    with pytest.raises(ValueError, match="at most one spike per step"):
        rnnscope.snn.simulate(TINY, rates=np.full((1, 30), 1e6))
    err = run(cli, "snn", "train", config, "--out", tmp_path / "r", "--set", "input.n_inputs=0", code=2).stderr
    assert "input.n_inputs" in err
