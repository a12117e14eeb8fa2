"""`rnnscope report` / `rnnscope.report` (docs/report.md): a report of every kind of result,
each made here by rnnscope itself from small configs (configs/ci/report/*.toml) or taken from
the committed ltr experiment results, opened in one headless Chromium: no console errors, no
request leaving the page, every figure loaded and not blank. The figures' data are checked
against the files they were drawn from, large inputs are timed, and the CLI door is run end
to end."""

import re
import subprocess
import time
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rnnscope  # noqa: E402
from conftest import assert_readable  # noqa: E402
from headless_chromium import Chromium  # noqa: E402
from rnnscope import reports as report_kinds  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs" / "ci" / "report"
LTR_RESULTS = REPO / "experiments" / "results" / "ltr"

# Figures each kind draws from these inputs (the run and the eval are of a decision task, so
# both have a psychometric curve), and whether the page holds a table.
EXPECTED_FIGURES = {"run": 5, "eval": 3, "ph": 2, "rtd": 1, "sweep": 2, "experiment": 2, "experiment_dir": 2}
LARGE_INPUT_SECONDS = 10


def circle(n, noise, seed):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(angle), np.sin(angle)] + noise * rng.standard_normal((n, 2))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """One result of each kind, written by rnnscope: path by kind."""
    root = tmp_path_factory.mktemp("results")
    run = root / "run"
    rnnscope.train(str(CONFIGS / "run.toml"), out=run, progress=False)
    rnnscope.evaluate(run, trials=1000, noise=False, out=root / "eval.h5")
    # 400 points: more H0 bars than the barcode draws, so its subsampling is exercised.
    rnnscope.ph(circle(400, 0.05, 0), maxdim=1, out=root / "ph.h5")
    rnnscope.rtd(circle(150, 0.05, 1), circle(150, 0.05, 1) * [2, 1], trials=5, batch=100, out=root / "rtd.h5")
    rnnscope.sweep(str(CONFIGS / "sweep.toml"), out=root / "sweep", progress=False)
    return {"run": run, "eval": root / "eval.h5", "ph": root / "ph.h5", "rtd": root / "rtd.h5", "sweep": root / "sweep",
            "experiment": LTR_RESULTS / "results-quick.h5", "experiment_dir": LTR_RESULTS}


@pytest.fixture(scope="module")
def reports(results, tmp_path_factory):
    """Each result's report: kind -> (path of the page, seconds it took to render)."""
    root = tmp_path_factory.mktemp("reports")
    out = {}
    for kind, path in results.items():
        start = time.perf_counter()
        page = rnnscope.report(path, out=root / f"{kind}.html")
        out[kind] = (Path(page), time.perf_counter() - start)
    return out


@pytest.fixture(scope="module")
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def pages(reports, browser):
    return {kind: browser.open(str(page)) for kind, (page, _) in reports.items()}


@pytest.mark.parametrize("kind", list(EXPECTED_FIGURES))
def test_every_figure_shows_in_a_browser_offline_without_errors(kind, reports, pages):
    page = pages[kind]
    assert page.errors == [], page.errors
    assert page.requests == [], page.requests
    assert len(page.figures) == EXPECTED_FIGURES[kind] and all(page.loaded), (page.figures, page.loaded)
    for k in range(len(page.figures)):
        pixels = page.figure_pixels(k)
        assert pixels.size and pixels.std() > 0.02, f"figure {k} of the {kind} report is blank"
    text = reports[kind][0].read_text()
    # A caption under every figure, nothing the page would fetch.
    assert text.count("<figcaption>") == text.count("<img ") == EXPECTED_FIGURES[kind]
    assert not re.search(r"""(src|href)=["'](?!data:)""", text) and "<script" not in text
    if kind == "sweep":
        assert "<table>" in text and "model.units" in page.text and "train.lr" in page.text


def test_large_inputs_render_fast_and_say_they_are_subsampled(reports):
    page, seconds = reports["eval"]
    assert seconds < LARGE_INPUT_SECONDS, f"the 1000-trial eval report took {seconds:.1f} s"
    assert "60 of 1000 drawn" in page.read_text()
    assert "the 200 longest are drawn (H0)" in reports["ph"][0].read_text()


def test_a_hundred_cell_sweep_renders_fast(tmp_path):
    base = {"seed": 1, "task": {"name": "perceptual_dm"}, "model": {"units": 4},
            "train": {"batch_size": 2, "max_steps": 1, "eval_every": 1, "eval_trials": 2, "checkpoint_every": 0,
                      "threads": 1}}
    spec = {"base": base, "seeds": [1], "axes": {"model.units": list(range(4, 14)),
                                                 "train.lr": [0.001 * (k + 1) for k in range(10)]}}
    rnnscope.sweep(spec, out=tmp_path / "sweep", progress=False)
    start = time.perf_counter()
    rnnscope.report(tmp_path / "sweep", out=tmp_path / "sweep.html")
    seconds = time.perf_counter() - start
    assert seconds < LARGE_INPUT_SECONDS, f"the 100-cell sweep report took {seconds:.1f} s"
    assert (tmp_path / "sweep.html").read_text().count("<tr>") == 101


def marked_lines(ax):
    return [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]


def test_learning_curves_are_history_h5(results):
    run = rnnscope.load_run(results["run"])
    figure = rnnscope.plot.learning_curves(run)
    with h5py.File(results["run"] / "history.h5") as f:
        history = {name: f[name][:] for name in ("step", "wall_seconds", "accuracy", "loss")}
    # Two panels (steps, wall time), each an accuracy axis and its loss twin.
    accuracy_axes = [ax for ax in figure.axes if ax.get_ylabel() == "accuracy"]
    loss_axes = [ax for ax in figure.axes if ax.get_ylabel() == "loss"]
    for clock, acc_ax, loss_ax in zip(("step", "wall_seconds"), accuracy_axes, loss_axes):
        (accuracy,), (loss,) = marked_lines(acc_ax), marked_lines(loss_ax)
        np.testing.assert_array_equal(accuracy.get_xdata(), history[clock])
        np.testing.assert_array_equal(accuracy.get_ydata(), history["accuracy"])
        np.testing.assert_array_equal(loss.get_ydata(), history["loss"])
    assert len(history["step"]) == 3


def test_weights_psychometric_and_trajectories_are_their_inputs(results):
    run = rnnscope.load_run(results["run"])
    with h5py.File(results["run"] / "model.h5") as f:
        np.testing.assert_array_equal(rnnscope.plot.recurrent_weights(run).images[0].get_array(), f["W_rec"][:])
    with h5py.File(results["eval"]) as f:
        correct, coherence = f["correct"][:].astype(float), f["conditions/coherence"][:]
        states, lengths = f["states"][:].astype(np.float64), f["trial_steps"][:]
        evaluation = {"correct": correct, "conditions": {name: f["conditions"][name][:] for name in f["conditions"]},
                      "loss_kind": f.attrs["loss_kind"], "states": states, "trial_steps": lengths}
    figure = rnnscope.plot.psychometric(evaluation)
    panel = next(ax for ax in figure.axes if ax.get_xlabel() == "coherence")
    (curve,) = [line for line in panel.get_lines() if line.get_marker() == "o"]  # not the error bars' caps
    np.testing.assert_array_equal(curve.get_xdata(), np.unique(coherence))
    np.testing.assert_allclose(curve.get_ydata(), [correct[coherence == c].mean() for c in np.unique(coherence)])
    # Trajectories: 60 of the 1000 trials, each its states projected on the top-3 principal
    # axes of all valid states (computed here by SVD; signs of axes are arbitrary).
    ax = rnnscope.plot.state_trajectories(evaluation, max_trials=60)
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert len(lines) == 60
    valid = np.arange(states.shape[1])[None, :] < lengths[:, None]
    points = states[valid]
    _, _, axes = np.linalg.svd(points - points.mean(axis=0), full_matrices=False)
    expected = (states[0, :lengths[0]] - points.mean(axis=0)) @ axes[:3].T
    drawn = np.column_stack(lines[0].get_data_3d())
    np.testing.assert_allclose(np.abs(drawn), np.abs(expected), rtol=1e-6, atol=1e-6)


def test_topology_figures_are_the_bars_and_scores(results):
    with h5py.File(results["ph"]) as f:
        bars = [f["dim0"][:], f["dim1"][:]]
    ax = rnnscope.plot.persistence_diagram(bars)
    for d, line in enumerate(line for line in ax.get_lines() if line.get_label().startswith("H")):
        finite = np.isfinite(bars[d][:, 1])
        np.testing.assert_array_equal(line.get_xdata(), bars[d][:, 0])
        np.testing.assert_array_equal(np.asarray(line.get_ydata())[finite], bars[d][finite, 1])
    with h5py.File(results["rtd"]) as f:
        record = {name: f[name][:] for name in ("score", "trial_scores", "trial_forward", "trial_backward")}
    (scores, *_) = marked_lines(rnnscope.plot.rtd_trials(record))
    np.testing.assert_array_equal(scores.get_ydata(), record["trial_scores"])


def test_sweep_and_experiment_figures_are_their_tables(results):
    table = rnnscope.load_sweep(results["sweep"], as_dataframe=False)
    figure = rnnscope.plot.sweep_axis(table, "model.units")
    cells, mean = figure.axes[0].get_lines()
    np.testing.assert_array_equal(cells.get_ydata(), table["final_accuracy"])
    units = np.asarray(table["model.units"])
    np.testing.assert_allclose(mean.get_ydata(), [table["final_accuracy"][units == u].mean() for u in (16, 24)])
    with h5py.File(results["experiment"]) as f:
        experiment = {name: f[name][()] for name in f}
    figure = rnnscope.plot.ltr_planted_recovery(experiment)
    (sets,) = [line for line in figure.axes[1].get_lines() if line.get_label() == "synthetic set"]
    np.testing.assert_array_equal(sets.get_ydata(), experiment["recovered_rank"])


def test_what_is_not_a_result_is_refused_naming_what_is_expected(results, tmp_path):
    (tmp_path / "notes.txt").write_text("not a result")
    with pytest.raises(ValueError, match="expected a run directory.*an eval file.*a ph output.*an rtd output.*a sweep "
                                         "directory.*an experiment directory"):
        rnnscope.report(tmp_path, out=tmp_path / "x.html")
    with pytest.raises(ValueError, match="expected a run directory"):
        rnnscope.report(tmp_path / "notes.txt", out=tmp_path / "x.html")
    with pytest.raises(FileNotFoundError, match="no such file"):
        rnnscope.report(tmp_path / "missing", out=tmp_path / "x.html")
    (tmp_path / "x.html").write_text("mine")
    with pytest.raises(ValueError, match="force=True"):
        rnnscope.report(results["rtd"], out=tmp_path / "x.html")
    assert (tmp_path / "x.html").read_text() == "mine"
    with pytest.raises(ValueError, match="force must be True or False"):
        rnnscope.report(results["rtd"], out=tmp_path / "x.html", force="yes")


def test_the_cli_door_runs_the_same_report(cli, results, tmp_path):
    out = tmp_path / "run.html"
    proc = subprocess.run([cli, "report", str(results["run"]), "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().count("<img ") == EXPECTED_FIGURES["run"] and str(out) in proc.stdout
    again = subprocess.run([cli, "report", str(results["run"]), "--out", str(out)], capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    forced = subprocess.run([cli, "report", str(results["rtd"]), "--out", str(out), "--force"], capture_output=True,
                            text=True)
    assert forced.returncode == 0, forced.stderr
    bad = subprocess.run([cli, "report", str(tmp_path / "missing"), "--out", str(tmp_path / "y.html")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "no such file" in bad.stderr
    assert not (tmp_path / "y.html").exists()
    help_text = subprocess.run([cli, "report", "--help"], capture_output=True, text=True).stdout
    assert "PATH" in help_text and "--force" in help_text and "Python" in help_text


def test_the_browser_check_catches_what_it_looks_for(browser, tmp_path):
    """The checks above are not vacuous: a page that fetches an image and logs an error fails them."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                   '<script>console.error("broken")</script></body></html>')
    page = browser.open(str(bad))
    assert page.requests == ["http://127.0.0.1:9/x.png"] and page.errors and page.loaded == [False]


@pytest.mark.parametrize("kind", list(EXPECTED_FIGURES))
def test_every_figure_reads_at_default_size(kind, results, tmp_path):
    """The figures each kind draws, saved one by one at their own size (as a notebook would):
    non-blank, everything inside the canvas, axes labelled, several series in a legend."""
    path = str(results[kind])
    figures = [item for item in report_kinds._recognise(path).draw(path) if isinstance(item, report_kinds.Figure)]
    assert figures
    for number, item in enumerate(figures):
        assert_readable(item.figure, tmp_path / f"{number}.png")
