"""Sweep scaling on this machine: throughput of 1 vs 2 MPI ranks (one-thread cells), the local
pool with 1 vs 2 workers, and the runner's per-cell overhead. Run by hand, never in CI:

    .venv/bin/python bench/bench_sweep.py --cells 8 --steps 600 --write

A cell is a CTRNN on perceptual_dm trained for a fixed number of steps (no early stop), one
LibTorch thread. Throughput = cells / sweep wall time. The per-cell overhead is what the sweep
costs beyond its cells' own training and evaluation time (summary.json wall_seconds): process
start and plugin load, config resolution, model construction, files, the table — measured with
one worker, so nothing overlaps, and reported against a 10-second cell.
"""

import argparse
import csv
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = "## Sweeps"

SWEEP = """
seeds = [{seeds}]
[base]
seed = 0
[base.task]
name = "perceptual_dm"
coherences = [6.4, 12.8, 25.6, 51.2]
[base.model]
units = {units}
[base.train]
batch_size = 32
max_steps = {steps}
eval_every = {steps}
eval_trials = 128
checkpoint_every = 0
target_accuracy = 2.0
[runner]
threads_per_cell = 1
"""


def timed(argv) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cell_seconds(out) -> list:
    with open(os.path.join(out, "results.csv")) as f:
        return [float(r["wall_seconds"]) for r in csv.DictReader(f)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=os.path.join(HERE, "..", ".venv", "bin", "rnnscope"))
    p.add_argument("--cells", type=int, default=8)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--units", type=int, default=64)
    p.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="rnnscope-bench-sweep-")
    spec = os.path.join(work, "sweep.toml")
    with open(spec, "w") as f:
        f.write(SWEEP.format(seeds=", ".join(str(s) for s in range(1, args.cells + 1)), units=args.units,
                             steps=args.steps))
    mpirun = [shutil.which("mpirun"), "--allow-run-as-root", "--oversubscribe"]
    runs = {
        "local, 1 worker": [args.cli, "sweep", spec, "-q", "--workers", "1"],
        "local, 2 workers": [args.cli, "sweep", spec, "-q", "--workers", "2"],
        "mpirun -np 1": mpirun + ["-np", "1", args.cli, "sweep", spec, "-q"],
        "mpirun -np 2": mpirun + ["-np", "2", args.cli, "sweep", spec, "-q"],
    }
    load_before = os.getloadavg()
    rows = {}
    for name, argv in runs.items():
        out = os.path.join(work, name.replace(" ", "_").replace(",", ""))
        wall = timed(argv + ["--out", out])
        cells = cell_seconds(out)
        rows[name] = (wall, cells)
        print(f"{name}: {wall:.2f} s for {len(cells)} cells, cells' own time {sum(cells):.2f} s", flush=True)
    load_after = os.getloadavg()
    base_local, base_mpi = rows["local, 1 worker"][0], rows["mpirun -np 1"][0]
    wall1, cells1 = rows["local, 1 worker"]
    overhead = (wall1 - sum(cells1)) / len(cells1)
    mean_cell = sum(cells1) / len(cells1)
    lines = [f"{SECTION}\n",
             f"`bench/bench_sweep.py`: {args.cells} cells (CTRNN {args.units} units, perceptual_dm, "
             f"{args.steps} steps, batch 32, one LibTorch thread each; {mean_cell:.2f} s of training and "
             f"evaluation per cell), the same sweep run four ways.\n",
             f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
             f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after",
             f"- command: `.venv/bin/python bench/bench_sweep.py {' '.join(sys.argv[1:])}`\n",
             "| run | wall s | cells/s | speed-up |", "|---|---:|---:|---:|"]
    for name, (wall, cells) in rows.items():
        base = base_mpi if name.startswith("mpirun") else base_local
        lines.append(f"| {name} | {wall:.2f} | {len(cells) / wall:.3f} | {base / wall:.2f}× |")
    lines.append("")
    lines.append(f"Per-cell overhead of the runner (1 worker: wall − Σ cells' own time, / cells): "
                 f"{overhead:.3f} s = {100 * overhead / 10:.1f}% of a 10-second cell "
                 f"({100 * overhead / mean_cell:.1f}% of these {mean_cell:.1f}-second cells).")
    text = "\n".join(lines) + "\n"
    print(text)
    shutil.rmtree(work)
    if args.write:
        sys.path.insert(0, HERE)
        from run_bench import write_section
        write_section(os.path.join(HERE, "RESULTS.md"), text, SECTION)


if __name__ == "__main__":
    main()
