"""fit-ltr time per iteration against PyTorch (run by hand; results in bench/RESULTS.md).

One iteration = simulating every trial of the recordings (full batch), the masked MSE plus
the state penalty, backward and an Adam step — for rnnscope's fit (fused rank-R kernel,
C++ trainer) and for the same model and loss written in PyTorch 2.13 the usual way (a
Python loop over time steps of autograd ops, W_k tanh(x) through the factors as ours, the
GP trial factors and the QR-orthonormalised readout as ours). Both at the same thread count,
in the same invocation, on synthetic recordings from `rnnscope.synth_ltr`.

    .venv/bin/python bench/bench_ltr.py [--trials 250 --steps 41 --neurons 100 --units 200 --rank 5]
"""

import argparse
import math
import platform
import time

import numpy as np
import torch

import rnnscope


class TorchLtr(torch.nn.Module):
    """The ltrRNN of docs/ltr.md in plain PyTorch."""

    def __init__(self, trials, neurons, units, rank, n_in, conditions, alpha):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.alpha = alpha
        self.A = torch.nn.Parameter(torch.randn(units, rank, generator=g) / math.sqrt(units))
        self.B = torch.nn.Parameter(torch.randn(units, rank, generator=g) / math.sqrt(units))
        self.z = torch.nn.Parameter(torch.zeros(trials, rank))
        self.m = torch.nn.Parameter(torch.ones(rank))
        self.P_in = torch.nn.Parameter(0.1 * torch.randn(rank, n_in, generator=g))
        self.p_b = torch.nn.Parameter(torch.zeros(rank))
        self.P_x0 = torch.nn.Parameter(torch.randn(conditions, rank, generator=g))
        self.W_readout = torch.nn.Parameter(torch.randn(max(units, neurons), min(units, neurons), generator=g))
        self.gain = torch.nn.Parameter(torch.ones(neurons))
        self.offset = torch.nn.Parameter(torch.zeros(neurons))
        idx = torch.arange(trials, dtype=torch.float64)
        k = 0.01 * (1 + (idx[:, None] - idx[None]) ** 2 / (2 * 15.0 ** 2)) ** -1.0
        self.register_buffer("L", torch.linalg.cholesky(k + 0.01 * torch.eye(trials, dtype=torch.float64)).float())
        self.neurons, self.units = neurons, units

    def forward(self, inputs, condition):
        a_hat = self.A / self.A.norm(dim=0, keepdim=True)
        b_hat = self.B / self.B.norm(dim=0, keepdim=True)
        c = self.L @ self.z + self.m
        drive = (inputs[:-1] @ self.P_in.T + self.p_b) @ self.A.T
        x = self.P_x0[condition] @ self.A.T
        states = [x]
        for t in range(drive.shape[0]):
            x = (1 - self.alpha) * x + self.alpha * (((torch.tanh(x) @ b_hat) * c) @ a_hat.T + drive[t])
            states.append(x)
        states = torch.stack(states)
        q, r = torch.linalg.qr(self.W_readout)
        q = q * torch.sign(torch.diagonal(r))
        d = q if self.neurons >= self.units else q.T
        return (torch.tanh(states) @ d.T) * self.gain + self.offset, states


def time_torch(data, args, iterations):
    act = torch.tensor(data["activity"], dtype=torch.float32)
    act = (act - act.mean((0, 1))) / act.std((0, 1))
    target = act.transpose(0, 1).contiguous()
    inputs = torch.tensor(data["inputs"], dtype=torch.float32).transpose(0, 1).contiguous()
    condition = torch.tensor(data["condition"], dtype=torch.long)
    model = TorchLtr(args.trials, args.neurons, args.units, args.rank, inputs.shape[2], int(condition.max()) + 1,
                     args.dt_ms / args.tau_ms)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    times = []
    for i in range(iterations + 2):
        start = time.perf_counter()
        keep = (torch.rand(args.trials, generator=g) >= 0.2).float().view(1, -1, 1)
        out, states = model(inputs, condition)
        mask = keep.expand_as(out)
        loss = ((out - target) ** 2 * mask).sum() / mask.sum() + 0.01 * states.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i >= 2:  # the first iterations warm the allocator
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_ours(data, args, iterations):
    fit = rnnscope.fit_ltr(data["activity"], rank=args.rank, inputs=data["inputs"], condition=data["condition"],
                           units=args.units, dt_ms=args.dt_ms, tau_ms=args.tau_ms, max_iterations=iterations,
                           eval_every=iterations, patience=0, threads=args.threads)
    return fit["summary"]["seconds_per_iteration"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=250)
    p.add_argument("--steps", type=int, default=41)
    p.add_argument("--neurons", type=int, default=100)
    p.add_argument("--units", type=int, default=200)
    p.add_argument("--rank", type=int, default=5)
    p.add_argument("--dt-ms", type=float, default=10.0)
    p.add_argument("--tau-ms", type=float, default=50.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iterations", type=int, default=30)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = rnnscope.synth_ltr(rank=args.rank, units=50, neurons=args.neurons, trials=args.trials, steps=args.steps,
                              dt_ms=args.dt_ms, tau_ms=args.tau_ms)
    ours = time_ours(data, args, args.iterations)
    peer = time_torch(data, args, args.iterations)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, threads {args.threads}")
    print(f"# {args.trials} trials x {args.steps} time bins x {args.neurons} neurons, {args.units} units, rank {args.rank}")
    print(f"rnnscope fit-ltr   {ours * 1e3:8.2f} ms/iteration")
    print(f"PyTorch eager      {peer * 1e3:8.2f} ms/iteration")
    print(f"ratio (PyTorch / rnnscope) {peer / ours:.2f}x")


if __name__ == "__main__":
    main()
