#!/usr/bin/env python3
"""Benchmark `rnnscope snn simulate` against Brian2 2.9.0 (runtime mode, Cython, and its C++
standalone binary) on the issue-19 network (a): 800 E / 200 I LIF, p = 0.1 per pathway, pair
STDP on E→E, 100 Poisson background inputs per neuron at 15 Hz (0.6 mV each), 1 s at
dt = 0.1 ms; and on the same network with 4000 neurons (3200 E / 800 I) at p = 0.025, which
keeps every neuron's in-degree (and so the rates). One thread everywhere, interleaved
repetitions, medians. Brian2 needs numpy < 2.4, so this script runs in its own venv:

    python3 -m venv /work/venv-snn && /work/venv-snn/bin/pip install brian2==2.9.0 "numpy<2.4" cython
    /work/venv-snn/bin/python bench/bench_snn.py --cli build/release/rnnscope --reps 5

Times: rnnscope = the `rnnscope snn simulate` process (start-up, network construction,
simulation; no output file); Brian2 runtime = `net.run(1 s)` after a first, compiling run
(objects built outside the timer); standalone = the compiled `main` binary as a process
(network construction + simulation), code generation and compilation timed once, apart, in a
process of its own: built in the same process, the standalone device left Brian2's runtime mode
running at numpy speed (2.3 s per simulated second instead of 0.44 with Cython 3.3) although
every runtime run sets the Cython target again.
Spike counts: rnnscope's and Brian2 runtime's per repetition (different seeds), compared as
mean ± standard deviation over repetitions.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def brian_network(n_e, n_i, p):
    """The network of docs/snn.md ("Benchmark"), in Brian2's own terms."""
    import brian2 as b2
    from brian2 import mV, ms, Hz
    n = n_e + n_i
    eqs = "dv/dt = (-65*mV - v) / (20*ms) : volt (unless refractory)"
    g = b2.NeuronGroup(n, eqs, threshold="v >= -50*mV", reset="v = -65*mV", refractory=2 * ms, method="exact")
    g.v = "-65*mV + rand() * 15*mV"
    # Inputs reach only neurons out of their refractory period, as in rnnscope.
    bg = b2.PoissonInput(g, "v", 100, 15 * Hz, weight="0.6*mV*int(not_refractory)")
    e, i = g[:n_e], g[n_e:]
    ee = b2.Synapses(e, e, """w : 1
                              dapre/dt = -apre / (20*ms) : 1 (event-driven)
                              dapost/dt = -apost / (20*ms) : 1 (event-driven)""",
                     on_pre="""v_post += w * 0.5*mV * int(not_refractory_post)
                               apre += 1
                               w = clip(w - 0.0105 * apost, 0, 1)""",
                     on_post="""apost += 1
                                w = clip(w + 0.01 * apre, 0, 1)""")
    ee.connect(condition="i != j", p=p)
    ee.w = "rand() * 0.5"
    ei = b2.Synapses(e, i, on_pre="v_post += 0.5*mV * int(not_refractory_post)")
    ei.connect(p=p)
    ie = b2.Synapses(i, e, on_pre="v_post += -1*mV * int(not_refractory_post)")
    ie.connect(p=p)
    ii = b2.Synapses(i, i, on_pre="v_post += -1*mV * int(not_refractory_post)")
    ii.connect(condition="i != j", p=p)
    monitor = b2.SpikeMonitor(g, record=False)
    net = b2.Network(g, bg, ee, ei, ie, ii, monitor)
    return net, monitor


def run_brian_runtime(n_e, n_i, p, seed):
    import brian2 as b2
    b2.start_scope()
    b2.prefs.codegen.target = "cython"  # not numpy, 3-5x slower
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    net, monitor = brian_network(n_e, n_i, p)
    start = time.perf_counter()
    net.run(1 * b2.second)
    return time.perf_counter() - start, int(monitor.num_spikes)


def build_standalone(n_e, n_i, p, directory):
    import brian2 as b2
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.device.reinit()
    b2.device.activate(directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.defaultclock.dt = 0.1 * b2.ms
    net, _ = brian_network(n_e, n_i, p)
    net.run(1 * b2.second)
    start = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False)
    return time.perf_counter() - start


def run_standalone(directory):
    start = time.perf_counter()
    subprocess.run([os.path.join(directory, "main")], cwd=directory, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_rnnscope(cli, n_e, n_i, p, seed):
    sets = [f"seed={seed}", 'stdp.rule="hom_stdp"', f"network.n_excitatory={n_e}", f"network.n_inhibitory={n_i}"]
    sets += [f"network.p_{pathway}={p}" for pathway in ("ee", "ei", "ie", "ii")]
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as config:
        config.write("# every key at its default (docs/snn.md)\n")
        config.flush()
        args = [cli, "snn", "simulate", config.name] + [a for s in sets for a in ("--set", s)]
        start = time.perf_counter()
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - start
    spikes = int(re.match(r"(\d+) spikes", out).group(1))
    return seconds, spikes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default="build/release/rnnscope")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", nargs="+", default=["800:200:0.1", "3200:800:0.025"])
    parser.add_argument("--no-standalone", action="store_true")
    parser.add_argument("--build-standalone", nargs=2, metavar=("SIZE", "DIR"), help=argparse.SUPPRESS)  # worker mode
    args = parser.parse_args()
    if args.build_standalone:
        size, directory = args.build_standalone
        n_e, n_i, p = int(size.split(":")[0]), int(size.split(":")[1]), float(size.split(":")[2])
        print(build_standalone(n_e, n_i, p, directory))
        return
    load_before = os.getloadavg()[0]
    rows = []
    for size in args.sizes:
        n_e, n_i, p = int(size.split(":")[0]), int(size.split(":")[1]), float(size.split(":")[2])
        directory = tempfile.mkdtemp(prefix="brian_standalone_")
        compile_seconds = None
        if not args.no_standalone:
            worker = [sys.executable, __file__, "--build-standalone", size, directory]
            compile_seconds = float(subprocess.run(worker, check=True, capture_output=True, text=True).stdout.split()[-1])
        run_brian_runtime(n_e, n_i, p, 1000)  # compiles (Cython cache)
        times = {"rnnscope": [], "brian2-runtime": [], "brian2-standalone": []}
        spikes = {"rnnscope": [], "brian2-runtime": []}
        for rep in range(args.reps):
            s, k = run_rnnscope(args.cli, n_e, n_i, p, rep)
            times["rnnscope"].append(s)
            spikes["rnnscope"].append(k)
            s, k = run_brian_runtime(n_e, n_i, p, rep)
            times["brian2-runtime"].append(s)
            spikes["brian2-runtime"].append(k)
            if not args.no_standalone:
                times["brian2-standalone"].append(run_standalone(directory))
        shutil.rmtree(directory, ignore_errors=True)
        ours = statistics.median(times["rnnscope"])
        for tool, t in times.items():
            if not t:
                continue
            k = spikes.get(tool)
            rows.append((f"{n_e + n_i} ({n_e}/{n_i}, p={p})", tool, statistics.median(t), len(t),
                         statistics.median(t) / ours,
                         f"{statistics.mean(k):.0f} ± {statistics.stdev(k):.0f}" if k and len(k) > 1 else "–",
                         f"{compile_seconds:.1f}" if tool == "brian2-standalone" else ""))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.machine())
    print(f"Machine: {cpu}, {os.cpu_count()} logical CPUs; "
          f"date {datetime.date.today()}; 1 thread; {args.reps} interleaved repetitions; median seconds; "
          f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.\n")
    print("| network | tool | median s | runs | time / rnnscope's | spikes (mean ± sd) | codegen + compile s |")
    print("|---|---|---:|---:|---:|---|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]} | {r[4]:.1f}× | {r[5]} | {r[6]} |")


if __name__ == "__main__":
    main()
