"""Recurrent-engine benchmark: training steps (forward + backward + Adam) of rnnscope's fused
CTRNN, GRU and LSTM against PyTorch peers measured in the same invocation, the same .venv
and the same thread count, plus the GEMM floor of each step. Run by hand, never in CI:

    make bench        # build-bench/bench_engine, a release build of its own
    .venv/bin/python bench/run_bench.py --threads 1 --write

Every implementation is a long-lived worker (bench/bench_engine for rnnscope and the floor,
bench/peers.py for PyTorch) that sets up, warms up (compiles) and then times --iters steps
per "run" request; the driver starts all workers of one configuration, waits until all are
ready, and interleaves the requests (A/B/C, the order rotated every repetition), so that
drifting machine load hits every implementation alike. A repetition's value is the median
of its steps; the table shows the median of --reps repetitions. With --write the table
replaces the "## Recurrent engine" section of bench/RESULTS.md (other sections are kept).

With --replicas R it measures R CTRNNs trained at once (train.replicas) instead, against the
R networks stepped one after another in PyTorch's eager loop, one eager loop batched over
the replicas with torch.bmm, and the GEMM floor of R networks, and writes the "## Replicas"
section:

    .venv/bin/python bench/run_bench.py --threads 1 --replicas 100 --units 50 --batch 20 --steps 100 --write
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = "## Recurrent engine"
SECTION_AB = "## Recurrent engine: A/B against a baseline build"
SECTION_REPLICAS = "## Replicas"


def peers_for(model: str, steps: int, compile_max_steps: int) -> list:
    if model == "ctrnn":
        return ["eager"] + (["compile"] if steps <= compile_max_steps else [])
    return ["nn"]


class Worker:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def wait_ready(self):
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"worker {self.proc.args} failed to start: {line!r}")

    def run(self) -> dict:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def measure(args, model, units, batch, steps) -> dict:
    common = ["--model", model, "--units", str(units), "--batch", str(batch), "--steps", str(steps),
              "--iters", str(args.iters), "--threads", str(args.threads)]
    peers = [sys.executable, os.path.join(HERE, "peers.py")]
    if args.replicas:
        common += ["--replicas", str(args.replicas)]
        argv = {"rnnscope": [args.bench_exe] + common, "floor": [args.bench_exe, "--floor"] + common,
                "eager": peers + ["--impl", "eager"] + common, "bmm": peers + ["--impl", "bmm"] + common}
        if args.baseline_exe:
            argv["baseline"] = [args.baseline_exe] + common
        return run_workers(args, argv)
    argv = {"rnnscope": [args.bench_exe] + common}
    if args.baseline_exe:
        argv["baseline"] = [args.baseline_exe] + common
    if not args.ab_only:
        argv["floor"] = [args.bench_exe, "--floor"] + common
        for impl in peers_for(model, steps, args.compile_max_steps):
            argv[impl] = peers + ["--impl", impl] + common
    return run_workers(args, argv)


def run_workers(args, argv) -> dict:
    workers = {name: Worker(a) for name, a in argv.items()}
    try:
        for w in workers.values():
            w.wait_ready()
        samples = {name: [] for name in workers}
        last = {}
        names = list(workers)
        for rep in range(args.reps):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                r = workers[name].run()
                samples[name].append(statistics.median(r["step_seconds"]))
                last[name] = r
    finally:
        for w in workers.values():
            w.close()
    return {name: {"ms": 1e3 * statistics.median(s), "min_ms": 1e3 * min(s), "max_ms": 1e3 * max(s),
                   "peak_mb": last[name].get("peak_mb"),
                   "compile_s": last[name].get("compile_seconds", 0.0)} for name, s in samples.items()}


def table(rows) -> str:
    out = ["| model | units | batch | T | rnnscope ms | GEMM floor ms | × floor | peer | peer ms | speed-up "
           "| torch.compile ms | speed-up vs compile | peak MB rnnscope | peak MB peer |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (model, units, batch, steps), r in rows:
        ours, floor = r["rnnscope"], r["floor"]
        peer = r.get("eager") or r.get("nn")
        comp = r.get("compile")
        cells = [model, units, batch, steps, f"{ours['ms']:.2f}", f"{floor['ms']:.2f}",
                 f"{ours['ms'] / floor['ms']:.2f}", "eager loop" if model == "ctrnn" else f"nn.{model.upper()}",
                 f"{peer['ms']:.2f}", f"{peer['ms'] / ours['ms']:.2f}×",
                 f"{comp['ms']:.2f}" if comp else "—", f"{comp['ms'] / ours['ms']:.2f}×" if comp else "—",
                 f"{ours['peak_mb']:.0f}", f"{peer['peak_mb']:.0f}"]
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(out)


def replicas_table(rows, replicas) -> str:
    out = ["| replicas | units | batch | T | rnnscope ms | GEMM floor ms | × floor | one after another ms | speed-up "
           "| batched eager (bmm) ms | speed-up | peak MB rnnscope | peak MB bmm |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (_, units, batch, steps), r in rows:
        ours, floor, eager, bmm = r["rnnscope"], r["floor"], r["eager"], r["bmm"]
        cells = [replicas, units, batch, steps, f"{ours['ms']:.1f}", f"{floor['ms']:.1f}",
                 f"{ours['ms'] / floor['ms']:.2f}", f"{eager['ms']:.1f}", f"{eager['ms'] / ours['ms']:.1f}×",
                 f"{bmm['ms']:.1f}", f"{bmm['ms'] / ours['ms']:.2f}×", f"{ours['peak_mb']:.0f}", f"{bmm['peak_mb']:.0f}"]
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(out)


def ab_table(rows) -> str:
    out = ["| model | units | batch | T | baseline ms | rnnscope ms | change | baseline spread ms | rnnscope spread ms |",
           "|---|---|---|---|---|---|---|---|---|"]
    for (model, units, batch, steps), r in rows:
        base, ours = r["baseline"], r["rnnscope"]
        change = 100 * (ours["ms"] / base["ms"] - 1)
        out.append(f"| {model} | {units} | {batch} | {steps} | {base['ms']:.2f} | {ours['ms']:.2f} | "
                   f"{change:+.1f}% | {base['min_ms']:.2f}–{base['max_ms']:.2f} | "
                   f"{ours['min_ms']:.2f}–{ours['max_ms']:.2f} |")
    return "\n".join(out)


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(re.findall(r"^([^:\n]+):\s*(.*)$", lscpu, re.M))
    return f"{fields.get('Model name', '?')}, {fields.get('CPU(s)', '?')} CPUs, L2 {fields.get('L2 cache', '?')}"


def write_section(path: str, text: str, section: str = SECTION) -> None:
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = old.find(section + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(section))
        new = old[:start] + text + ("\n" + old[nxt + 1:] if nxt >= 0 else "")
    with open(path, "w") as f:
        f.write(new.rstrip("\n") + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench-exe", default=os.path.join(HERE, "..", "build-bench", "bench_engine"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--iters", type=int, default=10,
                   help="training steps per repetition, median taken: enough that the first steps after "
                        "another worker ran (caches refilled by it) do not set the median")
    p.add_argument("--models", nargs="+", default=["ctrnn", "gru", "lstm"])
    p.add_argument("--units", nargs="+", type=int, default=[64, 128, 256, 512])
    p.add_argument("--batch", nargs="+", type=int, default=[32, 64])
    p.add_argument("--steps", nargs="+", type=int, default=[200, 1000])
    p.add_argument("--long-units", nargs="+", type=int, default=None,
                   help="units measured at T > 200 (default: all; the full grid takes long on 2 cores)")
    p.add_argument("--compile-max-steps", type=int, default=200,
                   help="torch.compile unrolls the loop; above this T it is not measured")
    p.add_argument("--baseline-exe", default=None,
                   help="a bench_engine built from another commit: measured beside --bench-exe, interleaved, "
                        "for an A/B of a change (same protocol, same invocation)")
    p.add_argument("--ab-only", action="store_true",
                   help="with --baseline-exe: measure only the two builds (no floor, no peers) and write the "
                        "A/B section of RESULTS.md")
    p.add_argument("--replicas", type=int, default=0,
                   help="R > 0: R CTRNNs trained at once against R eager networks one after another and one "
                        "batched eager loop (torch.bmm); writes the Replicas section")
    p.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    p.add_argument("--note", default="", help="a paragraph added under the table")
    p.add_argument("--rows-from", nargs="+", default=None,
                   help="build the table from the JSON lines of earlier runs (later files override "
                        "earlier ones for the same configuration) instead of measuring")
    args = p.parse_args()
    import torch

    rows = []
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    if args.rows_from:
        merged = {}
        for path in args.rows_from:
            for line in open(path):
                if line.startswith("{"):
                    d = json.loads(line)
                    key = (d.pop("model"), d.pop("units"), d.pop("batch"), d.pop("steps"))
                    merged[key] = d
        order = {m: i for i, m in enumerate(["ctrnn", "gru", "lstm"])}
        rows = sorted(merged.items(), key=lambda kv: (kv[0][3], order[kv[0][0]], kv[0][1], kv[0][2]))
    for steps in [] if args.rows_from else args.steps:
        for model in ["ctrnn"] if args.replicas else args.models:
            for units in args.units:
                if steps > 200 and args.long_units is not None and units not in args.long_units:
                    continue
                for batch in args.batch:
                    r = measure(args, model, units, batch, steps)
                    rows.append(((model, units, batch, steps), r))
                    print(json.dumps({"model": model, "units": units, "batch": batch, "steps": steps, **r}),
                          flush=True)
    load_after = os.getloadavg()
    # What every section states: when, where, with how many threads and under what load, and
    # the command that measured it.
    provenance = (f"- date: {started:%Y-%m-%d %H:%M} UTC; machine: {machine()}; threads: {args.threads}; "
                  f"torch {torch.__version__}; load average (1 min) {load_before[0]:.2f} before, "
                  f"{load_after[0]:.2f} after\n"
                  f"- command: `.venv/bin/python bench/run_bench.py {' '.join(sys.argv[1:])}`\n")
    if args.replicas:
        section = SECTION_REPLICAS
        text = (f"{args.replicas} CTRNNs of one config trained at once (`train.replicas`), "
                f"one training step of all of them = forward + backward + Adam, MSE loss on random data "
                f"(the same for every replica), 16 inputs, 8 outputs, ReLU, α = 0.2, recurrent noise on. "
                f"Median of {args.reps} interleaved repetitions of {args.iters} steps each, in ms per step "
                f"of all {args.replicas}.\n\n{provenance}"
                f"- one after another: {args.replicas} eager CTRNNs (bench/peers.py), each with its own Adam, "
                f"stepped in turn; batched eager: one eager loop over all replicas with weights [R, …] and "
                f"`torch.baddbmm` per time step, one Adam; GEMM floor: every replica's matrix products "
                f"alone, on its own buffers, through the same BLAS. Speed-up = peer / rnnscope.\n\n"
                f"{replicas_table(rows, args.replicas)}\n")
    elif args.ab_only:
        section = SECTION_AB
        text = (f"The same training step as below, measured for two builds in one invocation "
                f"(workers interleaved, order rotated every repetition): `baseline` = {args.baseline_exe}, "
                f"`rnnscope` = {args.bench_exe}. Median of {args.reps} repetitions of {args.iters} steps, ms per "
                f"step; change = rnnscope / baseline − 1.\n\n{provenance}\n"
                f"{ab_table(rows)}\n")
    else:
        section = SECTION
        text = (f"Training step = forward + backward + Adam, MSE loss on random data, "
                f"16 inputs, 8 outputs; CTRNN: ReLU, α = 0.2, recurrent noise on. "
                f"Median of {args.reps} interleaved repetitions of {args.iters} steps each, in ms per step.\n\n"
                f"{provenance}"
                f"- GEMM floor: the step's matrix products alone (input projection, T recurrent products "
                f"forward and T backward, weight gradients over all T·B rows, readout), through the same "
                f"BLAS; × floor = rnnscope / floor. Speed-up = peer / rnnscope.\n"
                f"- peak MB: growth of the process's peak resident memory over its training steps "
                f"(torch.compile's includes the compiler).\n\n"
                f"{table(rows)}\n")
    text = f"{section}\n\n{text}"
    if args.note:
        text += "\n" + args.note + "\n"
    print(text)
    if args.write:
        write_section(os.path.join(HERE, "RESULTS.md"), text, section)

if __name__ == "__main__":
    main()
