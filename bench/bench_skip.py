"""Training-step rate of the skip stages of train.method = sctt / dasc (docs/long_deps.md)
against plain training, on the published network (configs/soo2023.toml), each an ordinary
`rnnscope train` whose summary.json gives train_steps_per_second (evaluation excluded).
Run by hand, never in CI:

    .venv/bin/python bench/bench_skip.py --cli .venv/bin/rnnscope --steps 200 --reps 3

Variants: plain training on the fused kernel (the peer every ratio is against), SCTT and
DASC on the fused kernel, and SCTT and DASC on the reference twin (model.engine =
"reference": what every skip stage ran on before the skip was folded into the fused kernel).
The whole budget is one skip stage (stage_steps above max_steps, β = beta_init). The variants
run interleaved, their order rotated every repetition, so that drifting load on a shared
machine hits all alike; the table shows the median over repetitions and prints as markdown.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "configs", "soo2023.toml")

# name, [train]/[model] overrides; the reference variants run for fewer steps (they are slow).
VARIANTS = [
    ("plain, fused", []),
    ("sctt, fused", ["train.method=sctt"]),
    ("dasc, fused", ["train.method=dasc"]),
    ("sctt, reference twin", ["train.method=sctt", "model.engine=reference"]),
    ("dasc, reference twin", ["train.method=dasc", "model.engine=reference"]),
]


def steps_per_second(cli, out, overrides, steps, threads, theta, beta):
    args = [cli, "train", CONFIG, "--out", out, "--force"]
    sets = overrides + [f"train.max_steps={steps}", f"train.eval_every={steps}", "train.eval_trials=20",
                        f"train.threads={threads}", f"train.skip_steps={theta}", f"train.beta_init={beta}",
                        "train.stages=1", f"train.stage_steps={steps + 1}", "train.target_accuracy=2.0"]
    for s in sets:
        args += ["--set", s]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)["train_steps_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", default=os.path.join(HERE, "..", ".venv", "bin", "rnnscope"))
    ap.add_argument("--steps", type=int, default=200, help="optimiser steps per fused run")
    ap.add_argument("--reference-steps", type=int, default=20, help="optimiser steps per reference-twin run")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--theta", type=int, default=10)
    ap.add_argument("--beta", type=float, default=0.5)
    a = ap.parse_args()
    rates = {name: [] for name, _ in VARIANTS}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_skip_") as tmp:
        for rep in range(a.reps):
            order = VARIANTS[rep % len(VARIANTS):] + VARIANTS[:rep % len(VARIANTS)]
            for name, overrides in order:
                steps = a.reference_steps if "reference" in name else a.steps
                rates[name].append(steps_per_second(a.cli, os.path.join(tmp, "run"), overrides, steps, a.threads,
                                                    a.theta, a.beta))
    load_after = os.getloadavg()[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    print(f"Machine: {cpu}, {os.cpu_count()} logical CPUs; date {datetime.date.today()}; "
          f"{a.threads} thread(s); θ = {a.theta}, β = {a.beta}; {a.reps} interleaved repetitions of "
          f"{a.steps} steps ({a.reference_steps} on the reference twin); 1-minute load average "
          f"{load_before:.2f} before, {load_after:.2f} after.\n")
    plain = statistics.median(rates[VARIANTS[0][0]])
    print("| variant | steps/s (median) | runs | vs plain, fused |")
    print("|---|---:|---|---:|")
    for name, _ in VARIANTS:
        median = statistics.median(rates[name])
        runs = ", ".join(f"{r:.1f}" for r in rates[name])
        print(f"| {name} | {median:.1f} | {runs} | {median / plain:.2f}× |")


if __name__ == "__main__":
    main()
