"""PyTorch peers of bench_engine: one training step (forward + backward + Adam, MSE loss on
random inputs/targets, same sizes) of
  eager    the CTRNN as a Python loop of LibTorch ops (the usual hand-written training loop),
  compile  that module under torch.compile (the loop is unrolled into one graph),
  nn       torch.nn.GRU / torch.nn.LSTM + a linear readout (PyTorch's C++ paths; the CPU
           LSTM runs oneDNN's fused kernel);
with --replicas R (ctrnn) R independent networks per step:
  eager    the R eager CTRNNs one after another, each with its own Adam;
  bmm      one eager loop over all R at once: weights [R, …], torch.bmm per time step, one Adam.
A worker with bench_engine's protocol: after setup (and compilation), every line "run" on
stdin times --iters steps and prints {"step_seconds": [...], "peak_mb": ...,
"compile_seconds": ...}. Run by bench/run_bench.py.
"""

import argparse
import json
import math
import sys
import time

import torch

N_INPUTS, N_OUTPUTS = 16, 8  # as bench_engine
DT_MS, TAU_MS, NOISE = 20.0, 100.0, 0.05


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    return 0.0


class EagerCtrnn(torch.nn.Module):
    """x_{t+1} = (1 - a) x_t + a (W_rec relu(x_t) + W_in u_t + b + sqrt(2/a) sigma xi_t);
    y_t = W_out relu(x_{t+1}) + b_out — the model bench_engine trains."""

    def __init__(self, units: int):
        super().__init__()
        n = units
        self.alpha = DT_MS / TAU_MS
        self.noise_scale = math.sqrt(2 / self.alpha) * NOISE
        self.w_in = torch.nn.Parameter(torch.randn(n, N_INPUTS) / math.sqrt(N_INPUTS))
        self.w_rec = torch.nn.Parameter(torch.randn(n, n) / math.sqrt(n))
        self.b = torch.nn.Parameter(torch.zeros(n))
        self.w_out = torch.nn.Parameter(torch.randn(N_OUTPUTS, n) / math.sqrt(n))
        self.b_out = torch.nn.Parameter(torch.zeros(N_OUTPUTS))

    def forward(self, u, noise):
        a = self.alpha
        drive = u @ self.w_in.T + self.b + noise * self.noise_scale
        x = torch.zeros(u.shape[1], self.w_rec.shape[0])
        r = torch.relu(x)
        w_rec_t = self.w_rec.T
        rates = []
        # unbind, not drive[t]: each drive[t]'s backward would build a full [T, B, N] gradient.
        for drive_t in drive.unbind(0):
            x = (1 - a) * x + a * torch.addmm(drive_t, r, w_rec_t)
            r = torch.relu(x)
            rates.append(r)
        return torch.stack(rates) @ self.w_out.T + self.b_out


class BatchedCtrnn(torch.nn.Module):
    """R EagerCtrnn networks as one: weights [R, ...], states [R, B, N], one torch.baddbmm per
    time step for all R; returns outputs [R, T, B, n_out]."""

    def __init__(self, units: int, replicas: int):
        super().__init__()
        n, r = units, replicas
        self.alpha = DT_MS / TAU_MS
        self.noise_scale = math.sqrt(2 / self.alpha) * NOISE
        self.w_in = torch.nn.Parameter(torch.randn(r, n, N_INPUTS) / math.sqrt(N_INPUTS))
        self.w_rec = torch.nn.Parameter(torch.randn(r, n, n) / math.sqrt(n))
        self.b = torch.nn.Parameter(torch.zeros(r, 1, n))
        self.w_out = torch.nn.Parameter(torch.randn(r, N_OUTPUTS, n) / math.sqrt(n))
        self.b_out = torch.nn.Parameter(torch.zeros(r, 1, 1, N_OUTPUTS))

    def forward(self, u, noise):
        a = self.alpha
        # [R, T, B, N]: every replica's drive (the inputs and noise are shared).
        drive = torch.einsum("tbi,rni->rtbn", u, self.w_in) + self.b.unsqueeze(1) + noise * self.noise_scale
        x = torch.zeros(self.w_rec.shape[0], u.shape[1], self.w_rec.shape[1])
        r = torch.relu(x)
        w_rec_t = self.w_rec.transpose(1, 2)
        rates = []
        for drive_t in drive.unbind(1):
            x = (1 - a) * x + a * torch.baddbmm(drive_t, r, w_rec_t)
            r = torch.relu(x)
            rates.append(r)
        return torch.einsum("rtbn,ron->rtbo", torch.stack(rates, 1), self.w_out) + self.b_out


class Gated(torch.nn.Module):
    def __init__(self, kind: str, units: int):
        super().__init__()
        self.rnn = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind](N_INPUTS, units)
        self.readout = torch.nn.Linear(units, N_OUTPUTS)

    def forward(self, u, noise):
        return self.readout(self.rnn(u)[0])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--impl", choices=["eager", "compile", "nn", "bmm"], required=True)
    p.add_argument("--model", choices=["ctrnn", "gru", "lstm"], required=True)
    p.add_argument("--units", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--replicas", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    u = torch.randn(a.steps, a.batch, N_INPUTS)
    targets = torch.randn(a.steps, a.batch, N_OUTPUTS)
    noise = torch.randn(a.steps, a.batch, a.units)

    def loss_of(m):
        return torch.nn.functional.mse_loss(m(u, noise), targets)

    if a.impl == "bmm":
        model = BatchedCtrnn(a.units, a.replicas)
        adam = torch.optim.Adam(model.parameters(), lr=1e-4)

        def step():
            # The sum of each replica's mean squared error.
            loss = (model(u, noise) - targets).pow(2).mean((1, 2, 3)).sum()
            adam.zero_grad()
            loss.backward()
            adam.step()
    else:
        models = [EagerCtrnn(a.units) if a.model == "ctrnn" else Gated(a.model, a.units) for _ in range(a.replicas)]
        adams = [torch.optim.Adam(m.parameters(), lr=1e-4) for m in models]
        runs = [torch.compile(m) if a.impl == "compile" else m for m in models]

        def step():
            for run, adam in zip(runs, adams):
                loss = loss_of(run)
                adam.zero_grad()
                loss.backward()
                adam.step()

    rss_before = peak_rss_mb()
    start = time.perf_counter()
    # Warm-up step (for torch.compile: the compilation, whose memory then counts in the peak).
    step()
    compile_seconds = time.perf_counter() - start if a.impl == "compile" else 0.0
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            continue
        times = []
        for _ in range(a.iters):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        print(json.dumps({"step_seconds": times, "peak_mb": peak_rss_mb() - rss_before,
                          "compile_seconds": compile_seconds}), flush=True)


if __name__ == "__main__":
    main()
