"""CP decomposition through the Python module and the CLI: planted factors recovered, the
record written by `rnnscope cp` from h5 files as users write them, and bad inputs."""

import subprocess

import h5py
import numpy as np
import pytest

import rnnscope


def planted(shape=(20, 15, 10), rank=3, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    factors = [rng.normal(size=(n, rank)) for n in shape]
    x = np.einsum("ir,jr,kr->ijk", *factors)
    x += noise * np.linalg.norm(x) / np.sqrt(x.size) * rng.normal(size=x.shape)
    return x, factors


def congruence(a, b):
    """Mean |cosine| product over the best matching, by brute force (small ranks)."""
    from itertools import permutations
    cos = np.ones((a[0].shape[1], b[0].shape[1]))
    for u, v in zip(a, b):
        cos *= np.abs((u / np.linalg.norm(u, axis=0)).T @ (v / np.linalg.norm(v, axis=0)))
    r = cos.shape[0]
    return max(np.mean([cos[i, p[i]] for i in range(r)]) for p in permutations(range(r)))


def run(cli, *args, code=0):
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc


def test_python_cp_recovers_planted_factors():
    x, truth = planted(noise=0.01)
    fit = rnnscope.cp(x, rank=3, seed=1)
    assert [f.shape for f in fit["factors"]] == [(20, 3), (15, 3), (10, 3)]
    assert fit["weights"].shape == (3,) and np.all(np.diff(fit["weights"]) <= 0)
    assert fit["relative_error"] == pytest.approx(0.01, abs=0.002)
    assert congruence(fit["factors"], truth) > 0.99
    assert fit["restart_similarity"] > 0.9 and fit["restart_errors"].shape == (4,)
    x_hat = np.einsum("ir,jr,kr,r->ijk", *fit["factors"], fit["weights"])
    assert np.linalg.norm(x - x_hat) / np.linalg.norm(x) == pytest.approx(fit["relative_error"], rel=1e-6)


def test_python_cp_over_ranks_and_nonnegative():
    x, _ = planted(rank=2, seed=3)
    fits = rnnscope.cp(np.abs(x), ranks=[1, 2, 3], nonnegative=True, restarts=2)
    assert list(fits) == [1, 2, 3]
    errors = [fits[r]["relative_error"] for r in (1, 2, 3)]
    assert errors[0] >= errors[1] >= errors[2] - 1e-9
    for fit in fits.values():
        assert all((f >= 0).all() for f in fit["factors"])


@pytest.mark.parametrize("bad, fragment", [
    (np.zeros((3, 4)), "3-D"),
    (np.full((3, 4, 2), np.nan), "NaN"),
    (np.zeros((3, 4, 2)), "all zeros"),
])
def test_python_cp_rejects_bad_tensors(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        rnnscope.cp(bad, rank=1)


def test_python_cp_rejects_bad_options():
    x, _ = planted()
    with pytest.raises(ValueError, match="restarts must be >= 1"):
        rnnscope.cp(x, rank=2, restarts=0)
    with pytest.raises(ValueError, match="ranks: every rank must be >= 1"):
        rnnscope.cp(x, ranks=[0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cli_cp_end_to_end(cli, tmp_path, dtype):
    x, truth = planted(seed=5, noise=0.01)
    with h5py.File(tmp_path / "t.h5", "w") as f:
        f["weights_over_learning"] = x.astype(dtype)  # the file's only 3-D dataset
    out = tmp_path / "cp.h5"
    proc = run(cli, "cp", tmp_path / "t.h5", "--ranks", "1..3", "--seed", 2, "--out", out)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["rank", "relative_error", "restart_similarity"]
    assert [int(line.split()[0]) for line in lines[1:]] == [1, 2, 3]
    with h5py.File(out) as f:
        np.testing.assert_array_equal(f["ranks"][()], [1, 2, 3])
        errors = f["relative_error"][()]
        assert f["restart_similarity"].shape == (3,)
        assert errors[2] == pytest.approx(0.01, abs=0.002) and errors[0] > errors[1] > errors[2]
        factors = [f[f"rank_3/{m}"][()] for m in "abc"]
        assert [a.shape for a in factors] == [(20, 3), (15, 3), (10, 3)]
        assert f["rank_3/weights"].shape == (3,)
        assert congruence(factors, truth) > 0.99
        assert f.attrs["seed"] == 2 and f.attrs["restarts"] == 4 and "version" in f.attrs
    # The same request through Python gives the same arrays.
    record = rnnscope.cp(x.astype(dtype), rank=3, seed=2)
    with h5py.File(out) as f:
        np.testing.assert_array_equal(record["factors"][0], f["rank_3/a"][()])
    # No overwrite without --force.
    proc = run(cli, "cp", f"{tmp_path / 't.h5'}:/weights_over_learning", "--rank", 2, "--out", out, code=2)
    assert "--force" in proc.stderr
    run(cli, "cp", f"{tmp_path / 't.h5'}:/weights_over_learning", "--rank", 2, "--out", out, "--force")
    with h5py.File(out) as f:
        np.testing.assert_array_equal(f["ranks"][()], [2])


def test_cli_cp_bad_inputs_exit_2_with_one_line(cli, tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f["matrix"] = np.ones((4, 5))
        f["nan"] = np.full((3, 3, 3), np.nan)
    cases = [
        ([f"{path}:/matrix", "--rank", 1], "3-D"),
        ([f"{path}:/nan", "--rank", 1], "NaN"),
        ([f"{path}:/missing", "--rank", 1], "missing"),
        ([tmp_path / "nope.h5", "--rank", 1], "nope.h5"),
        ([f"{path}:/nan", "--ranks", "3..1"], "the range 3..1 is empty"),
    ]
    for args, fragment in cases:
        proc = run(cli, "cp", *args, code=2)
        assert proc.stderr.count("\n") == 1 and fragment in proc.stderr, proc.stderr
