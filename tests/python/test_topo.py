"""Persistent homology and RTD through the Python module and the CLI."""

import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

import rnnscope

RIPSER = shutil.which("ripser") or ("/usr/bin/ripser" if os.path.exists("/usr/bin/ripser") else None)


def circle(n=40, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(t), np.sin(t)], 1) + noise * rng.normal(size=(n, 2))


def test_circle_has_one_long_loop():
    bars = rnnscope.ph(circle(60, noise=0.02), maxdim=1)
    assert len(bars) == 2 and all(b.dtype == np.float64 and b.shape[1] == 2 for b in bars)
    lengths = bars[1][:, 1] - bars[1][:, 0]
    assert (lengths > 1.0).sum() == 1
    assert np.isinf(bars[0][:, 1]).sum() == 1


def test_distance_matrix_input_equals_point_cloud_input():
    x = np.random.default_rng(1).normal(size=(40, 3))
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    a = rnnscope.ph(x, maxdim=2)
    b = rnnscope.ph(d, maxdim=2, distance_matrix=True, threads=2)
    for u, v in zip(a, b):
        np.testing.assert_allclose(np.sort(u, axis=0), np.sort(v, axis=0), rtol=1e-6)


@pytest.mark.parametrize("matrix, fragment", [
    (np.zeros((2, 3)), "square"),
    (np.array([[0, np.nan], [np.nan, 0]]), "finite"),
    (np.array([[0, 1.0], [2.0, 0]]), "symmetric"),
    (np.array([[0, -1.0], [-1.0, 0]]), "negative"),
    (np.zeros((0, 0)), "empty"),
])
def test_bad_distance_matrices_raise_value_error(matrix, fragment):
    with pytest.raises(ValueError, match=fragment):
        rnnscope.ph(matrix, distance_matrix=True)


def test_bad_point_clouds_and_rtd_inputs_raise_value_error():
    with pytest.raises(ValueError, match="finite"):
        rnnscope.ph(np.array([[0.0, np.inf], [1.0, 2.0]]), distance_matrix=False)
    with pytest.raises(ValueError, match="distance_matrix=True | False"):
        rnnscope.ph(np.array([[0.0, 1.0], [1.0, 0.0]]))  # square: never guessed
    with pytest.raises(ValueError):
        rnnscope.ph(np.zeros(5))
    with pytest.raises(ValueError, match="rows"):
        rnnscope.rtd(np.zeros((10, 2)), np.ones((9, 2)))


def test_rtd_of_identical_clouds_is_zero_and_differs_otherwise():
    rng = np.random.default_rng(2)
    p = rng.normal(size=(100, 5))
    assert rnnscope.rtd(p, p, trials=2, batch=60) == 0.0
    score, per_trial = rnnscope.rtd(p, rng.normal(size=(100, 3)), trials=3, batch=60, return_trials=True)
    assert score > 0 and per_trial.shape == (3,)
    assert score == pytest.approx(per_trial.mean())


def reference_rtd_matrix(a, b):
    """The construction of IlyaTrofimov/RTD calc_embed_dist, in numpy."""
    n = a.shape[0]
    r1 = np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1))
    r2 = np.sqrt(((b[:, None] - b[None]) ** 2).sum(-1))
    r1 = r1 / np.quantile(r1, 0.9)
    r2 = r2 / np.quantile(r2, 0.9)
    d = np.zeros((2 * n, 2 * n))
    d[n:, :n] = r1
    d[:n, n:] = r1.T
    d[n:, n:] = np.minimum(r1, r2)
    d[d < r1.mean() * 1e-6] = 0
    return d


def test_rtd_follows_the_reference_construction():
    rng = np.random.default_rng(3)
    p = rng.normal(size=(70, 4))
    q = p @ rng.normal(size=(4, 3)) + 0.3 * rng.normal(size=(70, 3))
    h1 = lambda a, b: np.sum(np.diff(rnnscope.ph(reference_rtd_matrix(a, b), maxdim=1, distance_matrix=True)[1], axis=1))
    expected = (h1(p, q) + h1(q, p)) / 2
    assert rnnscope.rtd(p, q, trials=1, batch=70) == pytest.approx(expected, rel=1e-6)
    assert rnnscope.rtd(p, q, trials=1, batch=70, symmetric=False) == pytest.approx(h1(p, q), rel=1e-6)


@pytest.mark.skipif(RIPSER is None, reason="the `ripser` program is not installed")
def test_cli_print_matches_the_ripser_program(cli, tmp_path):
    x = np.random.default_rng(4).normal(size=(50, 3)).astype(np.float32)
    path = tmp_path / "cloud.txt"
    np.savetxt(path, x, delimiter=",", fmt="%.9g")
    ours = subprocess.run([cli, "ph", str(path), "--format", "point-cloud", "--dim", "2", "--print"],
                          capture_output=True, text=True, check=True).stdout
    theirs = subprocess.run([RIPSER, "--format", "point-cloud", "--dim", "2", str(path)],
                            capture_output=True, text=True, check=True).stdout
    assert ours == theirs


def test_cli_ph_writes_hdf5_barcodes(cli, tmp_path):
    src = tmp_path / "in.h5"
    with h5py.File(src, "w") as f:
        f["cloud"] = circle(30)
    out = tmp_path / "bars.h5"
    run = subprocess.run([cli, "ph", f"{src}:/cloud", "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    with h5py.File(out, "r") as f:
        assert f["dim0"].shape == (30, 2) and f["dim1"].shape == (1, 2)
        assert np.isinf(f["dim0"][:, 1]).sum() == 1
    again = subprocess.run([cli, "ph", f"{src}:/cloud", "--out", str(out)], capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = subprocess.run([cli, "ph", f"{src}:/cloud", "--out", str(out), "--force"], capture_output=True)
    assert forced.returncode == 0


def test_cli_rtd_prints_the_python_score(cli, tmp_path):
    rng = np.random.default_rng(5)
    p, q = rng.normal(size=(80, 3)), rng.normal(size=(80, 2))
    src = tmp_path / "acts.h5"
    with h5py.File(src, "w") as f:
        f["p"], f["q"] = p, q
    run = subprocess.run([cli, "rtd", f"{src}:/p", f"{src}:/q", "--trials", "2", "--batch", "50", "--seed", "3"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) == pytest.approx(rnnscope.rtd(p, q, trials=2, batch=50, seed=3), rel=1e-9)


def test_cli_exit_code_2_on_bad_inputs(cli, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("0\n1 x\n")
    run = subprocess.run([cli, "ph", str(bad)], capture_output=True, text=True)
    assert run.returncode == 2 and "not a number" in run.stderr
    missing = subprocess.run([cli, "ph", str(tmp_path / "missing.h5") + ":/x"], capture_output=True, text=True)
    assert missing.returncode == 2
    asym = tmp_path / "asym.txt"
    asym.write_text("0 1\n2 0\n")
    run = subprocess.run([cli, "ph", str(asym), "--format", "distance"], capture_output=True, text=True)
    assert run.returncode == 2 and "symmetric" in run.stderr
    src = tmp_path / "mismatch.h5"
    with h5py.File(src, "w") as f:
        f["p"], f["q"] = np.zeros((10, 2)), np.ones((9, 2))
    run = subprocess.run([cli, "rtd", f"{src}:/p", f"{src}:/q"], capture_output=True, text=True)
    assert run.returncode == 2 and "rows" in run.stderr
