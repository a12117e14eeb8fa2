"""Low tensor rank: synthetic recordings, ltrRNN fits and rank selection through Python and the CLI."""

import h5py
import numpy as np
import pytest

import rnnscope
from conftest import run_cli as run

# Small enough for seconds per fit; the rank curve still has its elbow at the planted rank.
SMALL = dict(trials=60, steps=16, neurons=16, units=16, conditions=4)
FIT = dict(units=16, lr=0.02, max_iterations=300, eval_every=20, patience=4, threads=1)


def synth(rank, seed=0, noise=0.05):
    return rnnscope.synth_ltr(rank=rank, noise=noise, seed=seed, **SMALL)


def test_synthetic_recordings_have_the_asked_layout_and_truth():
    data = synth(3)
    assert data["activity"].shape == (60, 16, 16)
    assert data["inputs"].shape == (60, 16, 2)
    assert data["truth"]["c"].shape == (60, 3) and data["truth"]["a"].shape == (16, 3)
    np.testing.assert_allclose(np.linalg.norm(data["truth"]["a"], axis=0), 1, rtol=1e-5)
    again = synth(3)
    np.testing.assert_array_equal(data["activity"], again["activity"])


def test_fit_explains_a_planted_rank_set_and_follows_its_trial_factors():
    data = synth(2, noise=0.02)
    fit = rnnscope.fit_ltr(data["activity"], rank=2, inputs=data["inputs"], condition=data["condition"], **FIT)
    assert fit["c"].shape == (60, 2) and fit["fitted_activity"].shape == data["activity"].shape
    assert fit["variance_explained"] > 0.8, fit["variance_explained"]
    assert fit["variance_explained_neuron"].shape == (16,) and fit["variance_explained_trial"].shape == (60,)


def test_cross_validation_finds_the_planted_rank():
    data = synth(2, noise=0.02, seed=1)
    fit = rnnscope.fit_ltr(data["activity"], ranks=[1, 2, 3], inputs=data["inputs"], condition=data["condition"],
                           **FIT)
    nmse = fit["heldout_nmse"].mean(1)
    assert nmse[1] < nmse[0], nmse
    assert fit["rank"] == 2, nmse


def test_cli_synth_then_fit_writes_the_documented_files(cli, tmp_path):
    data = tmp_path / "data.h5"
    proc = run(cli, "synth-ltr", "--rank", 2, "--trials", 40, "--steps", 12, "--neurons", 10, "--units", 12,
               "--out", data)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "fit"
    proc = run(cli, "fit-ltr", data, "--ranks", "1..2", "--units", 12, "--lr", 0.02, "--max-iterations", 60,
               "--eval-every", 20, "--threads", 1, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert "chosen rank" in proc.stdout
    with h5py.File(out / "fit.h5") as f:
        rank = f.attrs["rank"]
        assert f["a"].shape == (12, rank) and f["c"].shape == (40, rank)
        assert f["fitted_activity"].shape == (40, 12, 10)
        assert f["readout"].shape == (10, 12)
    with h5py.File(out / "rank_selection.h5") as f:
        assert list(f["ranks"][:]) == [1, 2] and f["heldout_nmse"].shape == (2, 1)
        assert f.attrs["chosen_rank"] == rank
    assert (out / "summary.json").exists() and (out / "config.toml").exists()
    proc = run(cli, "fit-ltr", data, "--rank", 1, "--out", out)
    assert proc.returncode == 2 and "--force" in proc.stderr


def write(path, **datasets):
    with h5py.File(path, "w") as f:
        for name, value in datasets.items():
            f[name] = value


GOOD = np.random.default_rng(0).normal(size=(6, 5, 4)).astype(np.float32)


@pytest.mark.parametrize("datasets, fragment", [
    (dict(activity=GOOD[0]), "3-D"),
    (dict(activity=np.where(GOOD > 1.5, np.nan, GOOD)), "NaN"),
    (dict(activity=GOOD, inputs=np.zeros((6, 4, 2))), "/inputs"),
    (dict(activity=GOOD, condition=np.array([0, 1, 2, 0.5, 1, 1])), "condition"),
    (dict(rates=GOOD), "no /activity"),
    (dict(activity=GOOD, condition=np.zeros(6), **{"trial_info/condition": np.zeros(6)}), "both /condition"),
    (dict(activity=GOOD, **{"trial_info/block": np.zeros(5)}), "/trial_info/block"),
    (dict(activity=GOOD, **{"trial_info/rt": np.array([1, 2, np.nan, 4, 5, 6])}), "finite"),
])
def test_cli_refuses_bad_recordings_with_one_line(cli, tmp_path, datasets, fragment):
    path = tmp_path / "bad.h5"
    write(path, **datasets)
    proc = run(cli, "fit-ltr", path, "--rank", 1, "--out", tmp_path / "fit")
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_cli_refuses_a_missing_file_and_bad_ranks(cli, tmp_path):
    proc = run(cli, "fit-ltr", tmp_path / "none.h5", "--rank", 1, "--out", tmp_path / "fit")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    path = tmp_path / "good.h5"
    write(path, activity=GOOD)
    proc = run(cli, "fit-ltr", path, "--ranks", "3..1", "--out", tmp_path / "fit")
    assert proc.returncode == 2 and "3..1" in proc.stderr


def test_python_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="exactly one"):
        rnnscope.fit_ltr(GOOD, rank=1, ranks=[1, 2])
    with pytest.raises(ValueError, match="3-D"):
        rnnscope.fit_ltr(GOOD[0], rank=1)
    with pytest.raises(ValueError, match="inputs"):
        rnnscope.fit_ltr(GOOD, rank=1, inputs=np.zeros((6, 4, 1)))
    with pytest.raises(ValueError, match="integer"):
        rnnscope.fit_ltr(GOOD, rank="2")
    with pytest.raises(ValueError, match="NaN"):
        rnnscope.fit_ltr(np.where(GOOD > 1, np.nan, GOOD), rank=1)


def test_cli_and_python_give_the_same_fit_and_a_seed_repeats_it(cli, tmp_path):
    data = tmp_path / "data.h5"
    rec = rnnscope.synth_ltr(rank=2, trials=30, steps=10, neurons=8, units=8, seed=4, out=data)
    opts = dict(units=8, lr=0.02, max_iterations=40, eval_every=20, threads=1, seed=3)
    proc = run(cli, "fit-ltr", data, "--ranks", "1,2", "--units", 8, "--lr", 0.02, "--max-iterations", 40,
               "--eval-every", 20, "--threads", 1, "--seed", 3, "--out", tmp_path / "fit", "-q")
    assert proc.returncode == 0, proc.stderr
    fit = rnnscope.fit_ltr(rec["activity"], ranks=[1, 2], inputs=rec["inputs"], condition=rec["condition"], **opts)
    again = rnnscope.fit_ltr(rec["activity"], ranks=[1, 2], inputs=rec["inputs"], condition=rec["condition"], **opts)
    with h5py.File(tmp_path / "fit" / "fit.h5") as f:
        np.testing.assert_array_equal(f["c"][:], fit["c"].astype(np.float32))
        np.testing.assert_array_equal(f["fitted_activity"][:], fit["fitted_activity"])
    np.testing.assert_array_equal(fit["c"], again["c"])
    np.testing.assert_array_equal(fit["heldout_nmse"], again["heldout_nmse"])


def test_a_dataset_suffix_is_explained(cli, tmp_path):
    path = tmp_path / "good.h5"
    write(path, activity=GOOD)
    proc = run(cli, "fit-ltr", f"{path}:/activity", "--rank", 1, "--out", tmp_path / "fit")
    assert proc.returncode == 2 and "without a :/dataset" in proc.stderr


# The reach generator at a size of seconds: 16 units, 8 + 40 + 8 trials.
REACH = dict(units=16, neurons=12, baseline=8, perturbed=40, washout=8, threads=1)


def test_reach_generator_records_adaptation_and_its_after_effect():
    d = rnnscope.synth_reach(**REACH)
    K = 56
    assert d["activity"].shape == (K, 50, 12) and d["inputs"].shape == (K, 50, 3)
    assert list(d["condition"]) == [k % 8 for k in range(K)]
    info = d["trial_info"]
    assert list(info["block"]) == [0] * 8 + [1] * 40 + [2] * 8
    assert list(info["rotation_deg"]) == [0] * 8 + [30] * 40 + [0] * 8
    assert d["truth"]["W_rec"].shape == (K + 1, 16, 16)
    assert d["pretrain_accuracy"] >= 0.95
    error = np.abs(info["endpoint_error_deg"])
    # Trained to criterion: small errors at baseline; the rotation's onset costs about its 30 degrees,
    # adaptation reduces it, and washout shows the after-effect in the opposite direction.
    assert error[:8].mean() < 6
    assert error[8:12].mean() > 15
    assert error[40:48].mean() < 0.5 * error[8:12].mean()
    assert info["endpoint_error_deg"][48:50].mean() < -10
    # The weights change on every trial, by plain gradient descent (no optimiser state).
    assert np.all(np.linalg.norm(np.diff(d["truth"]["W_rec"], axis=0), axis=(1, 2)) > 0)
    again = rnnscope.synth_reach(**REACH)
    np.testing.assert_array_equal(d["activity"], again["activity"])


def test_reach_recordings_fit_and_carry_their_trial_info(cli, tmp_path):
    data = tmp_path / "reach.h5"
    proc = run(cli, "synth-ltr", "--generator", "reach", "--units", 16, "--neurons", 12, "--baseline", 8,
               "--perturbed", 24, "--washout", 8, "--threads", 1, "--out", data, "-q")
    assert proc.returncode == 0, proc.stderr
    assert "40 trials x 50 time bins x 12 neurons" in proc.stdout
    with h5py.File(data) as f:
        assert f.attrs["generator"] == "reach" and f["truth/W_rec"].shape == (41, 16, 16)
        block = f["trial_info/block"][:]
    out = tmp_path / "fit"
    proc = run(cli, "fit-ltr", data, "--rank", 2, "--units", 16, "--dt-ms", 20, "--tau-ms", 100,
               "--max-iterations", 40, "--threads", 1, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out / "fit.h5") as f:
        np.testing.assert_array_equal(f["trial_info/block"][:], block)
        assert f["condition"].shape == (40,) and f["times"][1] == 20
    # An option of the other generator is refused, naming it.
    proc = run(cli, "synth-ltr", "--generator", "reach", "--rank", 3, "--out", tmp_path / "x.h5")
    assert proc.returncode == 2 and "--rank" in proc.stderr and "planted" in proc.stderr
    proc = run(cli, "synth-ltr", "--rotation", 10, "--out", tmp_path / "x.h5")
    assert proc.returncode == 2 and "--rotation" in proc.stderr and "reach" in proc.stderr
    proc = run(cli, "synth-ltr", "--generator", "reach", "--neurons", 20, "--units", 16, "--out", tmp_path / "x.h5")
    assert proc.returncode == 2 and "--neurons" in proc.stderr


def test_reach_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="rotation_deg"):
        rnnscope.synth_reach(rotation_deg=200, **REACH)
    with pytest.raises(ValueError, match="baseline"):
        rnnscope.synth_reach(**{**REACH, "baseline": -1})
    with pytest.raises(ValueError, match="units"):
        rnnscope.synth_reach(**{**REACH, "units": 1.5})


def _rendered_within_canvas(ax, path):
    """Saves the figure and checks that it is not blank and that everything drawn (labels,
    tick labels, legend, titles) lies inside the canvas."""
    fig = ax.figure
    fig.savefig(path, dpi=80)
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, only what is drawn
    canvas = fig.bbox_inches
    assert drawn.x0 >= canvas.x0 - 0.01 and drawn.y0 >= canvas.y0 - 0.01, (drawn, canvas)
    assert drawn.x1 <= canvas.x1 + 0.01 and drawn.y1 <= canvas.y1 + 0.01, (drawn, canvas)
    import matplotlib.image

    assert matplotlib.image.imread(path).std() > 0.01


def test_ltr_plots_render_readably(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    data = synth(2)
    fit = rnnscope.fit_ltr(data["activity"], ranks=[1, 2, 3], inputs=data["inputs"], condition=data["condition"],
                           **{**FIT, "max_iterations": 60})
    ax = rnnscope.plot.rank_selection(fit)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == f"chosen rank {fit['rank']}"
    _rendered_within_canvas(ax, tmp_path / "ranks.png")
    reach = rnnscope.synth_reach(**REACH)
    ax = rnnscope.plot.trial_factors(fit)
    assert len(ax.get_lines()) == fit["c"].shape[1]
    _rendered_within_canvas(ax, tmp_path / "factors.png")
    ax = rnnscope.plot.reach_behaviour(reach)
    assert {t.get_text() for t in ax.texts} == {"baseline", "perturbed", "washout"}
    _rendered_within_canvas(ax, tmp_path / "behaviour.png")
    with pytest.raises(ValueError, match="rank selection"):
        rnnscope.plot.rank_selection({"c": fit["c"], "rank": 2})


def test_integer_spike_counts_are_read_as_numbers(cli, tmp_path):
    # Spike counts stored as int32 (as many acquisition systems write them) are converted on
    # reading: the fit equals the one of the same counts stored as float64.
    counts = np.random.default_rng(1).poisson(3.0, size=(8, 6, 5))
    fits = {}
    for dtype in (np.int32, np.float64):
        path = tmp_path / f"counts_{np.dtype(dtype).name}.h5"
        write(path, activity=counts.astype(dtype))
        proc = run(cli, "fit-ltr", path, "--rank", 1, "--units", 6, "--max-iterations", 5, "--eval-every", 5,
                   "--threads", 1, "--out", tmp_path / f"fit_{np.dtype(dtype).name}", "-q")
        assert proc.returncode == 0, proc.stderr
        with h5py.File(tmp_path / f"fit_{np.dtype(dtype).name}" / "fit.h5") as f:
            fits[dtype] = f["fitted_activity"][:]
    np.testing.assert_array_equal(fits[np.int32], fits[np.float64])
    python = rnnscope.fit_ltr(counts.astype(np.int32), rank=1, units=6, max_iterations=5, eval_every=5, threads=1)
    np.testing.assert_array_equal(python["fitted_activity"], fits[np.float64])


def test_a_matlab_v73_file_is_refused_with_the_expected_layout(cli, tmp_path):
    # MATLAB stores arrays column-major: a [trials, time, neurons] array lands in the HDF5 file
    # as [neurons, time, trials], with a MATLAB_class attribute on every dataset. Read as it
    # stands it would be a valid-looking but wrong fit, so it is refused.
    path = tmp_path / "matlab.h5"
    with h5py.File(path, "w") as f:
        f["activity"] = GOOD.transpose(2, 1, 0).astype(np.float64)
        f["activity"].attrs["MATLAB_class"] = np.bytes_("double")
    proc = run(cli, "fit-ltr", path, "--rank", 1, "--out", tmp_path / "fit")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "MATLAB" in proc.stderr and "[trials, time, neurons]" in proc.stderr and "[4, 5, 6]" in proc.stderr
    assert not (tmp_path / "fit" / "fit.h5").exists()


def test_reversed_dimensions_meet_a_shape_error_naming_the_layout(cli, tmp_path):
    # The same reversed array written without MATLAB's attribute cannot be told from a valid
    # one by itself; with the per-trial datasets beside it, their lengths expose it.
    path = tmp_path / "reversed.h5"
    write(path, activity=GOOD.transpose(2, 1, 0), condition=np.arange(6) % 2)
    proc = run(cli, "fit-ltr", path, "--rank", 1, "--out", tmp_path / "fit")
    assert proc.returncode == 2, proc.stderr
    assert "/condition has shape [6]; it must be [trials] = [4]" in proc.stderr, proc.stderr
