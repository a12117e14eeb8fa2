"""`rnnscope experiment nback --ci` end to end (docs/nback.md, "The experiment"): the issue's
datasets and shapes, each number the run's or its analysis's own, the refusals. The ci size
(a tiny CNN, 16- and 8-unit networks, 4 steps) takes seconds; --quick is ~10 minutes."""

import json

import h5py
import numpy as np
import pytest

from conftest import run_cli, run_experiment

ARCHITECTURES = ["vanilla", "gru", "lstm"]
TASKS = [f"{feature}_{n}back" for feature in ["location", "identity", "category"] for n in (1, 2, 3)]


def run(cli, *args):
    return run_cli(cli, *args, timeout=300)


@pytest.fixture(scope="module")
def ci_run(cli, tmp_path_factory):
    return run_experiment(cli, tmp_path_factory.mktemp("experiment"), "nback", "--ci", "--threads", 1, timeout=300)


def test_results_have_the_issue_datasets_and_agree_with_every_run(ci_run):
    out, proc = ci_run
    with h5py.File(out / "results.h5") as f:
        assert list(f["architectures"].asstr()[:]) == ARCHITECTURES
        assert list(f["tasks"].asstr()[:]) == TASKS
        seeds = f["seeds"][:]
        results = {name: f[name][:] for name in ["task_accuracy", "cross_task_generalization",
                                                 "irrelevant_feature_decoding", "irrelevant_feature_chance",
                                                 "orthogonality_rnn", "orthogonality_cnn"]}
        assert f.attrs["size"] == "ci" and f.attrs["analysis_trials"] == 180 and f.attrs["analysis_folds"] == 3
        assert f.attrs["cnn"] == str(out / "cnn.h5")
        assert set(f["memory"]) == {"across_positions", "across_positions_chance", "procrustes_own",
                                    "swap_same_age", "swap_next_age"}
    assert seeds.shape == (2,) and seeds[0] != seeds[1]
    assert results["task_accuracy"].shape == (3, 9, 2)
    assert results["cross_task_generalization"].shape == (3, 9, 9, 2)
    assert results["irrelevant_feature_decoding"].shape == results["irrelevant_feature_chance"].shape == (3, 9, 2)
    assert results["orthogonality_rnn"].shape == results["orthogonality_cnn"].shape == (3, 2)
    for name, values in results.items():
        assert np.isfinite(values).all(), name
        assert ((values >= 0) & (values <= 1)).all(), name
    assert (results["irrelevant_feature_chance"] > 0).all()

    features = [t.split("_")[0] for t in TASKS]
    for a, arch in enumerate(ARCHITECTURES):
        for s, seed in enumerate(seeds):
            run_dir = out / "runs" / f"{arch}-{seed}"
            summary = json.loads((run_dir / "summary.json").read_text())
            np.testing.assert_array_equal(results["task_accuracy"][a, :, s], [summary["task_accuracy"][t] for t in TASKS])
            with h5py.File(run_dir / "analysis.h5") as f:
                assert list(f["tasks"].asstr()[:]) == TASKS
                cross = f["cross_task/accuracy"][:]  # [features, fitted, tested]
                decoding, chance = f["decoding/accuracy"][:], f["decoding/chance"][:]  # [tasks, features, S, T]
                relevant = f["relevant"][:].astype(bool)
                assert f["orthogonality/rnn"][:].mean() == pytest.approx(results["orthogonality_rnn"][a, s])
                assert f["orthogonality/cnn"][:].mean() == pytest.approx(results["orthogonality_cnn"][a, s])
            # Row task r's own feature, fitted on r, tested on every column task.
            for r, feature in enumerate(features):
                f_index = ["location", "identity", "category"].index(feature)
                np.testing.assert_array_equal(results["cross_task_generalization"][a, r, :, s], cross[f_index, r])
                at_encoding = np.diagonal(decoding[r], axis1=1, axis2=2)[~relevant[r]]  # [2 features, S]
                assert results["irrelevant_feature_decoding"][a, r, s] == pytest.approx(np.nanmean(at_encoding))
                assert results["irrelevant_feature_chance"][a, r, s] == pytest.approx(
                    np.nanmean(np.diagonal(chance[r], axis1=1, axis2=2)[~relevant[r]]))

    markdown = (out / "results.md").read_text()
    assert markdown in proc.stdout
    assert "| task | vanilla | gru | lstm |" in markdown and "| finding (Lei, Ito & Bashivan 2024) |" in markdown
    assert markdown.count(" | yes |") + markdown.count(" | no |") == 4 and "\nWe reproduce " in markdown
    assert "train lstm, seed" in proc.stderr and "pretrain the CNN" in proc.stderr


def test_the_report_draws_the_headline(ci_run, tmp_path):
    import rnnscope

    out, _ = ci_run
    page = tmp_path / "nback.html"
    rnnscope.report(out, out=page)
    text = page.read_text()
    assert text.count('<p class="claim">') == text.count("<img ") == 1 and "Lei, Ito &amp; Bashivan" in text


def test_an_existing_output_is_refused_without_force(cli, ci_run):
    out, _ = ci_run
    before = (out / "results.md").read_text()
    proc = run(cli, "experiment", "nback", "--ci", "--out", out)
    assert proc.returncode == 2 and "--force" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert (out / "results.md").read_text() == before

    import rnnscope

    with pytest.raises(ValueError, match="force=True"):
        rnnscope.experiment("nback", out=out, ci=True, progress=False)


def test_options_an_experiment_does_not_take_are_refused_before_anything_is_written(cli, tmp_path):
    import rnnscope

    assert "nback" in rnnscope.experiment_names()
    out = tmp_path / "x"
    proc = run(cli, "experiment", "nback", "--ci", "--cnn", tmp_path / "missing.h5", "--out", out)
    assert proc.returncode == 2 and "--cnn" in proc.stderr and "rnnscope nback pretrain" in proc.stderr, proc.stderr
    proc = run(cli, "experiment", "ltr", "--ci", "--out", out)
    assert proc.returncode == 2 and "has no --ci size" in proc.stderr, proc.stderr
    with pytest.raises(FileNotFoundError, match=r"cnn=.*missing.h5: no such file; .*rnnscope.nback.pretrain\(out=FILE\)"):
        rnnscope.experiment("nback", out=out, ci=True, cnn=tmp_path / "missing.h5", progress=False)
    with pytest.raises(ValueError, match="cnn is nback's only"):
        rnnscope.experiment("long-deps", out=out, cnn=tmp_path / "cnn.h5", progress=False)
    with pytest.raises(ValueError, match="give one size"):
        rnnscope.experiment("nback", out=out, quick=True, ci=True, progress=False)
    assert not out.exists()


def test_the_committed_quick_results_draw_and_hold_the_issue_shapes(tmp_path):
    """experiments/results/nback/results-quick.h5 (docs/nback.md "The experiment", measured), as h5py reads it."""
    import pathlib

    import rnnscope
    from conftest import assert_readable

    path = pathlib.Path(__file__).resolve().parents[2] / "experiments" / "results" / "nback" / "results-quick.h5"
    with h5py.File(path) as f:
        results = {key: f[key][()] for key in f if isinstance(f[key], h5py.Dataset)}
    assert results["cross_task_generalization"].shape == (3, 9, 9, 2)
    figure = rnnscope.plot.nback_geometry(results)
    assert_readable(figure, tmp_path / "nback.png")
    assert [ax.get_title() for ax in figure.axes[:3]] == [f"{a}: cross-task decoding" for a in ARCHITECTURES]
