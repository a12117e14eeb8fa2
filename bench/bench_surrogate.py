#!/usr/bin/env python3
"""Benchmark one surrogate-gradient training step of issue 19 (b) against snnTorch 1.0.0
(`RLeaky`, all-to-all recurrence) and Norse 1.1.0 (`LIFRecurrent`): 1000 recurrent LIF neurons,
batch 32, T = 500 steps, 100 input channels spiking with probability 0.05 per step through a
dense input layer, leak β = 0.9, threshold 1, reset by subtraction (snnTorch) or to 0 (Norse),
a linear readout of the spike counts (10 outputs), MSE, forward + BPTT + Adam. One thread
everywhere, interleaved repetitions, medians.

rnnscope: `rnnscope snn train` with `stdp.rule = "surrogate"` and `surrogate.threads = 1` on
that network (tau_m_ms such that β = exp(−dt/τ) = 0.9 at dt = 1 ms; 32 training samples at
50 Hz per channel, batch 32, so one gradient step per epoch); its time per step is the median
of the run's `/epoch_seconds` over the `--steps` epochs after the first (so, like the peers',
after one warm-up step; it includes drawing the step's Poisson inputs, which the peers draw
outside their timer). Peers: each in its own process, `--steps` timed steps after one untimed
warm-up step. Peak memory: each process's maximum resident set (wait4).

The same network in all three: the peers' weights are drawn from rnnscope's initial
distribution (docs/snn.md: W_in ~ N(0, (1 − β²) / (n_in · p)), W_rec and the readout
~ N(0, 1/N), biases 0), W_in's spread times `--input-scale` (rnnscope's
`surrogate.input_scale`; 0.5 by default: at 1 the three networks fire at 40–90 Hz, at 0.5 at
10–20 Hz), in Norse scaled by 1 / (dt · τ_mem⁻¹) = 10, since its Euler step adds the synaptic
current times dt · τ_mem⁻¹ to the membrane; the inputs are Bernoulli(p) in all three. The same
surrogate in all three: the fast sigmoid 1/(1 + k|x|)² (snnTorch's `fast_sigmoid`, Norse's
`super`) or rnnscope's triangle max(0, 1 − k|x|), k = 25, which neither peer has (snnTorch's
`triangular()` is ±1 everywhere, Norse's `triangle` α·relu(1 − |x|) has width 1): both peers
run it as `Triangle` below, snnTorch as its `spike_grad`, Norse through its `triangle` method's
function. Each tool's firing rate over the timed steps is printed beside its time: the
event-driven kernel's cost grows with it (and, with the triangle, with the share of membranes
within 1/k of the threshold), the dense peers' does not.

The peers need PyTorch 2.13.0 beside them; in a venv of their own (never the project's):

    python3 -m venv /work/venv-snn-3
    echo /path/to/rnnscope/.venv/lib/python3.11/site-packages > \
        /work/venv-snn-3/lib/python3.11/site-packages/project_torch.pth   # torch 2.13.0
    /work/venv-snn-3/bin/pip install --no-deps snntorch==1.0.0 norse==1.1.0 nir nirtorch
    /work/venv-snn-3/bin/python bench/bench_surrogate.py --cli .venv/bin/rnnscope --reps 3
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time

N, BATCH, T, N_IN, N_OUT, P_IN, BETA, SLOPE = 1000, 32, 500, 100, 10, 0.05, 0.9, 25.0


def triangle_function():
    """rnnscope's triangle surrogate as a torch.autograd.Function of x = v − threshold: the
    Heaviside forward, max(0, 1 − k|x|) backward (snnTorch's idiom for a custom spike_grad)."""
    import torch

    class Triangle(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * torch.clamp(1 - SLOPE * x.abs(), min=0)

    return Triangle


def peer_step_seconds(peer: str, steps: int, surrogate: str, input_scale: float) -> tuple[list[float], list[float]]:
    """Times `steps` training steps of a peer (after one warm-up step) in this process; also
    returns the mean firing rate (Hz at 1 ms steps) of each timed step."""
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    inputs = torch.bernoulli(torch.full((T, BATCH, N_IN), P_IN))
    target = torch.rand(BATCH, N_OUT)
    readout = torch.nn.Linear(N, N_OUT)
    in_std = input_scale * math.sqrt((1 - BETA**2) / (N_IN * P_IN))

    def init(weight: torch.Tensor, std: float, bias: torch.Tensor | None = None) -> None:
        """rnnscope's initial distribution (module docstring)."""
        with torch.no_grad():
            weight.normal_(0.0, std)
            if bias is not None:
                bias.zero_()

    init(readout.weight, 1 / math.sqrt(N), readout.bias)
    if peer == "snntorch":
        import snntorch
        from snntorch import surrogate as sg
        spike_grad = sg.fast_sigmoid(slope=SLOPE) if surrogate == "fast_sigmoid" else triangle_function().apply
        fc = torch.nn.Linear(N_IN, N)
        lif = snntorch.RLeaky(beta=BETA, linear_features=N, all_to_all=True, spike_grad=spike_grad)
        init(fc.weight, in_std, fc.bias)
        init(lif.recurrent.weight, 1 / math.sqrt(N), lif.recurrent.bias)
        params = list(fc.parameters()) + list(lif.parameters()) + list(readout.parameters())

        def forward():
            spk, mem = lif.init_rleaky()
            counts = 0
            # One product over all T·B rows; unbind, not drive[t], whose backward would write a
            # zero tensor of the whole [T, B, N] per step.
            for d in fc(inputs).unbind(0):
                spk, mem = lif(d, spk, mem)
                counts = counts + spk
            return counts
    else:
        import norse.torch as norse
        import norse.torch.functional.threshold as norse_threshold
        # Norse's LIF integrates with Euler at dt: β = 1 − dt·tau_mem_inv = 0.9; its synaptic
        # current decays fully each step (tau_syn_inv = 1/dt), so the input acts at once.
        # "super" is SuperSpike, the fast sigmoid 1/(1 + α|x|)²; "triangle" calls the module's
        # triangle_fn(x, alpha), here rnnscope's triangle (module docstring).
        triangle = triangle_function()
        norse_threshold.triangle_fn = lambda x, alpha: triangle.apply(x)
        p = norse.LIFParameters(tau_mem_inv=torch.tensor(100.0), tau_syn_inv=torch.tensor(1000.0),
                                v_leak=torch.tensor(0.0), v_th=torch.tensor(1.0), v_reset=torch.tensor(0.0),
                                method="super" if surrogate == "fast_sigmoid" else "triangle",
                                alpha=torch.tensor(SLOPE))
        lif = norse.LIFRecurrent(N_IN, N, p=p, dt=0.001)
        euler = 1 / (0.001 * 100.0)  # 1 / (dt · tau_mem_inv): the current's weight in the membrane's step
        init(lif.input_weights, euler * in_std)
        init(lif.recurrent_weights, euler / math.sqrt(N))
        params = list(lif.parameters()) + list(readout.parameters())

        def forward():
            spikes, _ = lif(inputs)
            return spikes.sum(0)

    adam = torch.optim.Adam(params, lr=0.002)

    def step():
        adam.zero_grad()
        counts = forward()
        loss = torch.nn.functional.mse_loss(readout(counts), target)
        loss.backward()
        adam.step()
        return counts.detach().mean().item() / T * 1000

    step()
    times, rates = [], []
    for _ in range(steps):
        start = time.perf_counter()
        rates.append(step())
        times.append(time.perf_counter() - start)
    return times, rates


def run_measured(cmd: list[str]) -> tuple[str, float]:
    """Runs `cmd`; its stdout and its peak resident set in MB."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read()
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[:3]} failed: {err}")
        out.seek(0)
        return out.read(), usage.ru_maxrss / 1024


def rnnscope_config(path: str, steps: int, surrogate: str, input_scale: float) -> None:
    tau = -1.0 / math.log(BETA)
    with open(path, "w") as f:
        f.write(f"""seed = 0
[network]
n_excitatory = {N * 4 // 5}
n_inhibitory = {N // 5}
tau_m_ms = {tau!r}
[input]
n_inputs = {N_IN}
[stdp]
rule = "surrogate"
[data]
classes = {N_OUT}
train_samples = {BATCH}
test_samples = {BATCH}
rate_on_hz = {P_IN * 1000}
rate_off_hz = {P_IN * 1000}
sample_ms = {T}
[surrogate]
function = "{surrogate}"
slope = {SLOPE}
dt_ms = 1
epochs = {steps}
batch = {BATCH}
loss = "mse"
input_scale = {input_scale!r}
threads = 1
""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", default=".venv/bin/rnnscope")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3, help="timed steps per repetition")
    ap.add_argument("--surrogates", default="fast_sigmoid,triangle")
    ap.add_argument("--input-scale", type=float, default=0.5,
                    help="initial input weights' spread relative to rnnscope's default (module docstring)")
    ap.add_argument("--peer", help=argparse.SUPPRESS)  # worker mode: time one peer, print JSON
    ap.add_argument("--surrogate", default="fast_sigmoid", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        print(json.dumps(peer_step_seconds(args.peer, args.steps, args.surrogate, args.input_scale)))
        return
    import h5py  # the project's (the peers' venv sees its site-packages, module docstring)

    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, 1 thread; N={N}, batch={BATCH}, T={T}, input scale {args.input_scale}, "
          f"{args.steps} steps x {args.reps} reps")
    with tempfile.TemporaryDirectory() as tmp:
        for surrogate in args.surrogates.split(","):
            config = os.path.join(tmp, f"{surrogate}.toml")
            rnnscope_config(config, args.steps, surrogate, args.input_scale)
            seconds: dict[str, list[float]] = {"rnnscope": [], "snntorch": [], "norse": []}
            rates: dict[str, list[float]] = {k: [] for k in seconds}
            peak: dict[str, list[float]] = {k: [] for k in seconds}
            for rep in range(args.reps):
                run_dir = os.path.join(tmp, f"run-{surrogate}-{rep}")
                _, mb = run_measured([args.cli, "snn", "train", config, "--out", run_dir,
                                      "--set", f"surrogate.epochs={1 + args.steps}"])
                peak["rnnscope"].append(mb)
                with h5py.File(os.path.join(run_dir, "snn.h5")) as f:  # per epoch; the first is the warm-up
                    seconds["rnnscope"].append(statistics.median(f["epoch_seconds"][1:]))
                    rates["rnnscope"] += list(f["rate_hz"][1:])
                for peer in ("snntorch", "norse"):
                    out, mb = run_measured([sys.executable, __file__, "--peer", peer, "--steps", str(args.steps),
                                            "--surrogate", surrogate, "--input-scale", str(args.input_scale)])
                    times, peer_rates = json.loads(out)
                    seconds[peer].append(statistics.median(times))
                    rates[peer] += peer_rates
                    peak[peer].append(mb)
            ours = statistics.median(seconds["rnnscope"])
            print(f"\n{surrogate}: median step (ms), peak RSS (MB), speed-up of rnnscope, "
                  "firing rate over the timed steps (Hz: median, min-max)")
            for name in seconds:
                med = statistics.median(seconds[name])
                print(f"  {name:9s} {1000 * med:8.1f} ms  {max(peak[name]):7.0f} MB  "
                      f"{med / ours:5.2f}x  {statistics.median(rates[name]):6.1f} Hz "
                      f"({min(rates[name]):.1f}-{max(rates[name]):.1f})   reps: "
                      f"{', '.join(f'{1000 * s:.0f}' for s in seconds[name])}")


if __name__ == "__main__":
    main()
