"""`rnnscope experiment snn-topology --quick` end to end (docs/snn.md, "The experiment"): the
documented datasets, each accuracy the run's own, RTD symmetric with a zero diagonal and equal
to a direct RTD of the layers it compared."""

import json
import subprocess

import h5py
import numpy as np
import pytest

import rnnscope

RULES = ["het_stdp", "hom_stdp", "surrogate"]
LAYERS = ["early", "middle", "late", "output"]


@pytest.fixture(scope="module")
def quick_run(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("experiment") / "snn-topology"
    # One thread: the networks are small, and a shared machine's cores are better left to others.
    proc = subprocess.run([cli, "experiment", "snn-topology", "--quick", "--threads", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def test_results_have_the_documented_datasets_and_agree_with_every_run(quick_run):
    out = quick_run
    with h5py.File(out / "results.h5") as f:
        assert list(f["rules"].asstr()[:]) == RULES and list(f["layers"].asstr()[:]) == LAYERS
        seeds = f["seeds"][:]
        accuracy, rtd, rtd_layers = f["test_accuracy"][:], f["rtd"][:], f["rtd_layers"][:]
        p = f["p_het_stdp"][:]
        assert f.attrs["size"] == "quick" and f.attrs["segments"] == 3
    assert seeds.shape == (2,) and seeds[0] != seeds[1]
    assert accuracy.shape == (3, 2) and rtd.shape == (3, 2, 3, 2) and rtd_layers.shape == (4, 3, 2, 3, 2)
    assert (accuracy > 1 / 3).all(), accuracy  # every rule's readout beats chance
    flat = rtd.reshape(6, 6)
    np.testing.assert_array_equal(flat, flat.T)
    np.testing.assert_array_equal(np.diag(flat), 0)
    off = flat[~np.eye(6, dtype=bool)]
    assert np.isfinite(off).all() and (off > 0).all()
    np.testing.assert_allclose(rtd, np.nanmean(rtd_layers, axis=0))
    # 2 seeds per rule: 6 splits, each statistic shared with its complement, so p >= 1/3.
    assert np.isnan(p[0]) and all(p[r] in (1 / 3, 2 / 3, 1.0) for r in (1, 2)), p
    for r, rule in enumerate(RULES):
        for s, seed in enumerate(seeds):
            summary = json.loads((out / "runs" / f"{rule}-{seed}" / "summary.json").read_text())
            assert summary["rule"] == rule and accuracy[r, s] == summary["test_accuracy"]
    # One entry recomputed from the runs' eval files: the late layer (the traces after the last
    # segment) of het_stdp against surrogate, first seeds.
    with h5py.File(out / "runs" / f"het_stdp-{seeds[0]}" / "eval.h5") as a, \
            h5py.File(out / "runs" / f"surrogate-{seeds[0]}" / "eval.h5") as b:
        direct = rnnscope.topo.rtd(a["traces"][:, 2, :], b["traces"][:, 2, :], trials=1, batch=1000)
    assert rtd_layers[2, 0, 0, 2, 0] == pytest.approx(direct, rel=1e-9)
    text = (out / "results.md").read_text()
    assert "## RTD between rules" in text and "het_stdp vs hom_stdp" in text and "het_stdp vs surrogate" in text


def test_report_draws_the_experiment_beside_its_claim(quick_run, tmp_path):
    page = tmp_path / "snn.html"
    rnnscope.report(quick_run, out=page)
    text = page.read_text()
    assert text.count('<p class="claim">') == text.count("<img ") == 1 and "Chakraborty" in text


def test_the_committed_results_figure_reads_at_default_size(tmp_path):
    """The committed full results (4 seeds per rule), as h5py reads them: the within- and
    between-rule panel takes each rule pair's networks of different seeds."""
    import pathlib

    from conftest import assert_readable

    path = pathlib.Path(__file__).resolve().parents[2] / "experiments" / "results" / "snn-topology" / "results.h5"
    with h5py.File(path) as f:
        results = {key: f[key][()] for key in f}
    assert_readable(rnnscope.plot.snn_topology(results), tmp_path / "snn.png")
    labels, values = rnnscope.plot.snn.rule_pairs(results)
    assert labels[:3] == RULES and labels[3] == "het_stdp\nvs hom_stdp"
    assert [v.size for v in values] == [6, 6, 6, 12, 12, 12]  # 4 seeds: C(4, 2) within, 4·3 across
    rtd = results["rtd"]
    assert values[3].mean() == pytest.approx(np.mean([rtd[0, a, 1, b] for a in range(4) for b in range(4) if a != b]))
