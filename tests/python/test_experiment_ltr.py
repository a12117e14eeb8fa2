"""`rnnscope experiment ltr --quick` end to end (about 2 minutes on 2 cores), and its errors (docs/ltr.md, "The experiment")."""


import h5py
import numpy as np
import pytest

from conftest import run_cli, run_experiment


def run(cli, *args):
    return run_cli(cli, *args, timeout=900)


@pytest.fixture(scope="module")
def quick_run(cli, tmp_path_factory):
    # One thread: a loaded machine makes LibTorch's thread pool spin, not work.
    return run_experiment(cli, tmp_path_factory.mktemp("experiment"), "ltr", "--quick", "--threads", 1, timeout=900)


def test_results_have_the_documented_datasets_and_shapes(quick_run):
    out, proc = quick_run
    with h5py.File(out / "results.h5") as f:
        planted = f["planted_rank"][:]
        sets = len(planted)
        np.testing.assert_array_equal(planted, [1, 2, 3])
        assert f["recovered_rank"].shape == (sets,) and f["factor_congruence"].shape == (sets,)
        ranks = f["heldout_ranks"][:]
        np.testing.assert_array_equal(ranks, [1, 2, 3, 4])
        assert f["heldout_nmse"].shape == (sets, len(ranks))
        assert np.isfinite(f["heldout_nmse"][:]).all()
        np.testing.assert_array_equal(f["learning_ranks"][:], np.arange(1, 9))
        cp_error = f["learning_cp_error"][:]
        assert f.attrs["size"] == "quick" and bool(f.attrs["quick"]) and f.attrs["seed"] == 0
        assert f.attrs["seconds"] > 0 and f.attrs["version"]
        # What holds at this size (docs/ltr.md, "The experiment"): the chosen rank is within one
        # of the planted rank (the elbow rule overshoots by one on some sets), the centred trial
        # factors follow the teacher's, and more CP components never fit the updates worse
        # (within ALS's tolerance).
        assert (np.abs(f["recovered_rank"][:] - planted) <= 1).all(), f["recovered_rank"][:]
        congruence = f["factor_congruence"][:]
        assert ((congruence >= 0) & (congruence <= 1)).all() and congruence.mean() > 0.8, congruence
        assert (np.diff(cp_error) <= 1e-3).all(), cp_error
        # The reach network: it adapts (large errors at the rotation's onset, smaller at its end),
        # and its recordings are fitted better at some rank above 1 than at rank 1.
        block, error = f["reach_block"][:], np.abs(f["reach_endpoint_error_deg"][:])
        np.testing.assert_array_equal(block, [0] * 16 + [1] * 40 + [2] * 24)
        assert error[16:24].mean() > 2 * error[48:56].mean(), error
        np.testing.assert_array_equal(f["reach_ranks"][:], [1, 2, 3, 4])
        heldout = f["reach_heldout_nmse"][:].mean(axis=1)
        assert heldout[1:].min() < heldout[0] and 1 <= f.attrs["reach_chosen_rank"] <= 4, heldout
        assert f["learning_update_matrix_rank"].shape == (80,)
        cumulative = f["learning_cumulative_cp_error"][:]
        assert cumulative.shape == (8,) and (np.diff(cumulative) <= 1e-3).all(), cumulative
    markdown = (out / "results.md").read_text()
    assert "| planted rank |" in markdown and "| CP rank |" in markdown
    assert "The planted rank was recovered in" in markdown and "The CP error of the cumulative changes" in markdown
    assert markdown in proc.stdout
    assert "| first 8 washout trials (after-effect) |" in markdown
    for kept in ["data/rank1_seed0.h5", "fits/rank2_seed0/fit.h5", "data/reach.h5", "fits/reach/fit.h5"]:
        assert (out / kept).exists(), kept
    assert "reach: a 24-unit CTRNN" in proc.stderr


def test_the_report_of_the_run_shows_each_claim_beside_its_figure(quick_run, tmp_path):
    """The experiment directory as written (data/, fits/, results.h5, results.md) is recognised;
    its page opens in a browser in tests/python/test_report.py (from the committed results)."""
    import rnnscope

    page = tmp_path / "ltr.html"
    rnnscope.report(quick_run[0], out=page)
    text = page.read_text()
    assert text.count('<p class="claim">') == text.count("<img ") == 2 and "Pellegrino" in text


def test_an_unknown_experiment_is_one_line_naming_the_known_ones(cli, tmp_path):
    proc = run(cli, "experiment", "n-back", "--out", tmp_path / "x")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == proc.stderr.strip().splitlines()[0]
    assert "n-back" in proc.stderr and "ltr, long-deps" in proc.stderr


def test_an_existing_output_directory_is_kept_without_force(cli, tmp_path):
    out = tmp_path / "ltr"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    proc = run(cli, "experiment", "ltr", "--quick", "--out", out)
    assert proc.returncode == 2 and "--force" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert (out / "mine.txt").read_text() == "keep"


def test_python_door_gives_the_cli_results(quick_run, tmp_path):
    import rnnscope

    out, _ = quick_run
    steps = []
    result = rnnscope.experiment("ltr", out=tmp_path / "ltr", quick=True, threads=1, progress=steps.append)
    assert "ltr" in rnnscope.experiment_names()
    assert any(step.startswith("reach:") for step in steps)
    assert result["markdown"] == (tmp_path / "ltr" / "results.md").read_text()
    with h5py.File(out / "results.h5") as f:
        for name in ["recovered_rank", "heldout_nmse", "reach_endpoint_error_deg", "learning_cp_error"]:
            np.testing.assert_array_equal(result[name], f[name][:], err_msg=name)
    with pytest.raises(ValueError, match="ltr"):
        rnnscope.experiment("n-back", out=tmp_path / "x")
    with pytest.raises(ValueError, match="force"):
        rnnscope.experiment("ltr", out=tmp_path / "ltr", quick=True)
