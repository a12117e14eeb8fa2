#!/usr/bin/env python3
"""Benchmark rnnscope's Vietoris–Rips persistence against the `ripser` program (Debian),
ripser.py and giotto-ph on RTD matrices (2n = 400, 1000, 2000 vertices) and random point
clouds. Repetitions are interleaved (rep → input → tool); medians are reported. Every tool
runs in its own process: the program-style tools (`ripser`, `rnnscope ph`) are timed
end-to-end (process start and input parsing included), the Python libraries in-process
around the call only (import and array loading excluded). Barcodes are checked to be the
same multiset of pairs (to the printed float32 precision).

    .venv/bin/python bench/bench_ph.py --out bench/ph_results.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

PY = sys.executable


# ---- inputs -------------------------------------------------------------------------------

def rtd_matrix(n_half: int, seed: int) -> np.ndarray:
    """The RTD construction of IlyaTrofimov/RTD for two related random clouds."""
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(n_half, 16))
    q = p @ rng.normal(size=(16, 8)) + 0.5 * rng.normal(size=(n_half, 8))
    dist = lambda x: np.sqrt(np.maximum(((x[:, None] - x[None]) ** 2).sum(-1), 0))
    r1, r2 = dist(p), dist(q)
    r1, r2 = r1 / np.quantile(r1, 0.9), r2 / np.quantile(r2, 0.9)
    d = np.zeros((2 * n_half, 2 * n_half))
    d[n_half:, :n_half] = r1
    d[:n_half, n_half:] = r1.T
    d[n_half:, n_half:] = np.minimum(r1, r2)
    d[d < r1.mean() * 1e-6] = 0
    return d.astype(np.float32).astype(np.float64)  # float32 values, exactly representable in text


def write_inputs(workdir: str, name: str, matrix: np.ndarray | None, points: np.ndarray | None) -> dict:
    import h5py
    entry = {"name": name}
    if matrix is not None:
        n = matrix.shape[0]
        entry["npy"] = os.path.join(workdir, name + ".npy")
        np.save(entry["npy"], matrix)
        entry["txt"] = os.path.join(workdir, name + ".ldm")
        with open(entry["txt"], "w") as f:  # line i: d(i,0) … d(i,i-1); line 0 empty
            for i in range(n):
                f.write(",".join("%.9g" % v for v in matrix[i, :i]) + "\n")
        entry["h5"] = os.path.join(workdir, name + ".h5") + ":/d"
        with h5py.File(entry["h5"].split(":")[0], "w") as f:
            f["d"] = matrix
        entry["kind"], entry["vertices"] = "distance", n
    else:
        entry["npy"] = os.path.join(workdir, name + ".npy")
        np.save(entry["npy"], points)
        # Text tools get the distance matrix (float64 arithmetic, then float32), the same
        # values the array tools and `rnnscope ph FILE.h5:/x` use; the `ripser` program's
        # own point-cloud mode sums in float32 and would differ in the last bits.
        d = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1)).astype(np.float32)
        entry["txt"] = os.path.join(workdir, name + ".ldm")
        with open(entry["txt"], "w") as f:
            for i in range(points.shape[0]):
                f.write(",".join("%.9g" % v for v in d[i, :i]) + "\n")
        entry["h5"] = os.path.join(workdir, name + ".h5") + ":/x"
        import h5py as _h5
        with _h5.File(entry["h5"].split(":")[0], "w") as f:
            f["x"] = points
        entry["kind"], entry["vertices"] = "points", points.shape[0]
    return entry


# ---- tools --------------------------------------------------------------------------------

# In-process timing of a Python library: prints {"seconds": …} and saves the diagrams.
WORKER = r"""
import json, sys, time, numpy as np
lib, path, kind, maxdim, threads, out = sys.argv[1:7]
maxdim, threads = int(maxdim), int(threads)
x = np.load(path)
if kind == "points":
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1)).astype(np.float32).astype(np.float64)
else:
    d = x
radius = float(np.min(np.max(d, axis=1)))
if lib == "gph":
    from gph import ripser_parallel
    t = time.perf_counter()
    dg = ripser_parallel(d, maxdim=maxdim, metric="precomputed", n_threads=threads)["dgms"]
elif lib == "ripser.py":
    import ripser
    t = time.perf_counter()
    dg = ripser.ripser(d, maxdim=maxdim, distance_matrix=True, thresh=radius)["dgms"]
else:
    import rnnscope
    t = time.perf_counter()
    dg = rnnscope.ph(d, maxdim=maxdim, distance_matrix=True, threads=threads)
t = time.perf_counter() - t
np.savez(out, *[np.asarray(a, dtype=np.float64) for a in dg])
print(json.dumps({"seconds": t}))
"""


def parse_ripser_text(text: str) -> list[np.ndarray]:
    dims, cur = [], None
    for line in text.splitlines():
        if line.startswith("persistence intervals in dim"):
            cur = []
            dims.append(cur)
        elif line.startswith(" [") and cur is not None:
            b, d = line[2:-1].split(",")
            cur.append((float(b), float(d) if d.strip() else np.inf))
    return [np.array(c, dtype=np.float64).reshape(-1, 2) for c in dims]


def run_tool(tool: str, entry: dict, maxdim: int, threads: int, cli: str, workdir: str, timeout: float):
    """Returns (seconds or None on timeout, diagrams or None)."""
    if tool in ("ripser", "rnnscope-cli-text", "rnnscope-cli-h5"):
        fmt = "lower-distance"
        if tool == "ripser":
            cmd = ["ripser", "--format", fmt, "--dim", str(maxdim), entry["txt"]]
        elif tool == "rnnscope-cli-text":
            cmd = [cli, "ph", entry["txt"], "--format", fmt, "--dim", str(maxdim), "--threads", str(threads), "--print"]
        else:
            fmt = "distance" if entry["kind"] == "distance" else "point-cloud"
            cmd = [cli, "ph", entry["h5"], "--format", fmt, "--dim", str(maxdim), "--threads", str(threads), "--print"]
        t = time.perf_counter()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
        except subprocess.TimeoutExpired:
            return None, None
        return time.perf_counter() - t, parse_ripser_text(out)
    lib = {"giotto-ph": "gph", "ripser.py": "ripser.py", "rnnscope-python": "rnnscope"}[tool]
    out_path = os.path.join(workdir, "dg.npz")
    try:
        res = subprocess.run([PY, "-c", WORKER, lib, entry["npy"], entry["kind"], str(maxdim), str(threads), out_path],
                             capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None, None
    with np.load(out_path) as z:
        dg = [z["arr_%d" % i] for i in range(len(z.files))]
    return json.loads(res.stdout.strip().splitlines()[-1])["seconds"], dg


def same_barcodes(a: list[np.ndarray], b: list[np.ndarray], maxdim: int) -> bool:
    """Same multiset of pairs in every dimension, at the precision the `ripser` program
    prints (6 significant digits of the float32 values): values are rounded so before
    comparing, and bars that round to zero length are dropped (the program omits bars of
    zero length, but prints a bar shorter than its precision as [x,x))."""
    round6 = np.vectorize(lambda v: float("%.6g" % v) if np.isfinite(v) else v, otypes=[np.float64])
    for k in range(maxdim + 1):
        x = round6(a[k].reshape(-1, 2)) if a[k].size else np.zeros((0, 2))
        y = round6(b[k].reshape(-1, 2)) if b[k].size else np.zeros((0, 2))
        x, y = x[x[:, 1] != x[:, 0]], y[y[:, 1] != y[:, 0]]
        x = x[np.lexsort((x[:, 1], x[:, 0]))]
        y = y[np.lexsort((y[:, 1], y[:, 0]))]
        if x.shape != y.shape or not np.array_equal(x, y):
            return False
    return True


# ---- main ---------------------------------------------------------------------------------

def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name"))
    except Exception:
        model = platform.processor()
    return f"{model}, {os.cpu_count()} logical CPUs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[400, 1000, 2000], help="RTD matrix sizes 2n")
    ap.add_argument("--clouds", nargs="+", default=["1000x3:1", "300x3:2"],
                    help="random point clouds NxD:MAXDIM (uniform in the unit cube)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run; slower runs are not repeated")
    ap.add_argument("--tools", nargs="+",
                    default=["rnnscope-cli-h5", "rnnscope-cli-text", "rnnscope-python", "ripser", "ripser.py", "giotto-ph"])
    ap.add_argument("--cli", default=shutil.which("rnnscope") or os.path.join(os.path.dirname(PY), "rnnscope"))
    ap.add_argument("--out", default=None, help="also write the markdown table here")
    args = ap.parse_args()

    tools = list(args.tools)
    if "rnnscope-python" in tools and subprocess.run([PY, "-c", "import rnnscope"], capture_output=True).returncode:
        print("note: `import rnnscope` failed; skipping rnnscope-python", file=sys.stderr)
        tools.remove("rnnscope-python")
    single_threaded = {"ripser", "ripser.py"}

    load_before = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="bench_ph_")
    inputs = []
    for i, size in enumerate(args.sizes):
        e = write_inputs(work, f"rtd{size}", rtd_matrix(size // 2, seed=i), None)
        e["maxdim"] = 1
        inputs.append(e)
    for i, spec in enumerate(args.clouds):
        shape, maxdim = spec.split(":")
        n, d = map(int, shape.split("x"))
        pts = np.random.default_rng(100 + i).random((n, d)).astype(np.float32).astype(np.float64)
        e = write_inputs(work, f"cloud{n}x{d}", None, pts)
        e["maxdim"] = int(maxdim)
        inputs.append(e)

    runs = [(e, tool, th) for e in inputs for tool in tools
            for th in ([1] if tool in single_threaded else args.threads)]
    times = {(e["name"], tool, th): [] for e, tool, th in runs}
    timed_out, reference, identical = set(), {}, {}
    for rep in range(args.reps):
        for e, tool, th in runs:
            key = (e["name"], tool, th)
            if key in timed_out or (rep > 0 and times[key] and times[key][0] > args.timeout / 3):
                continue  # one run of a very slow tool is enough
            seconds, dg = run_tool(tool, e, e["maxdim"], th, args.cli, work, args.timeout)
            if seconds is None:
                timed_out.add(key)
                continue
            times[key].append(seconds)
            if dg is not None and rep == 0:
                ref = reference.setdefault(e["name"], dg)
                identical[key] = same_barcodes(ref, dg, e["maxdim"])
            print(f"rep {rep} {e['name']:>12} {tool:>18} threads {th}: {seconds:.3f} s", file=sys.stderr)

    startup = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([args.cli, "--version"], capture_output=True)
        startup.append(time.perf_counter() - t)
    lines = [
        f"`rnnscope` process start-up (`rnnscope --version`; `ph` does not load LibTorch): "
        f"median {statistics.median(startup):.3f} s, included in the rnnscope-cli rows.",
        "",
        f"Machine: {machine()}; date {datetime.date.today().isoformat()}; "
        f"{args.reps} interleaved repetitions (a run slower than {args.timeout / 3:.0f} s is not repeated); "
        f"median seconds; 1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(other work on the machine inflates every tool alike).",
        "",
        "| input | vertices | dims | tool | threads | median s | runs | vs `ripser` | vs giotto-ph (same threads) | same barcodes |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for e, tool, th in runs:
        key = (e["name"], tool, th)
        t = times[key]
        if key in timed_out and not t:
            med = None
        else:
            med = statistics.median(t) if t else None
        rip = times.get((e["name"], "ripser", 1))
        gph = times.get((e["name"], "giotto-ph", th))
        ratio = lambda other: (f"{statistics.median(other) / med:.1f}×" if med and other else "–")
        cell = f"{med:.3f}" if med is not None else f"> {args.timeout:.0f}"
        lines.append(f"| {e['name']} | {e['vertices']} | 0–{e['maxdim']} | {tool} | {th} | {cell} | {len(t)} | "
                     f"{ratio(rip) if tool != 'ripser' else '1.0×'} | {ratio(gph) if tool != 'giotto-ph' else '1.0×'} | "
                     f"{'yes' if identical.get(key) else ('NO' if key in identical else '–')} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
