"""The command line of ``rnnscope report`` (docs/report.md): the C++ program runs
``python -m rnnscope._report_cli PATH --out FILE [--force]`` with the interpreter installed
beside it, so both doors draw with the same Python code (rnnscope.reports). A module of its
own, which the package does not import, so that ``-m`` runs it only once."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """``rnnscope report`` (the C++ program runs this module with its
    arguments): exit 0 with the output's path on stdout, or 2 with one line on stderr."""
    parser = argparse.ArgumentParser(prog="rnnscope report", description="One self-contained HTML page of figures.")
    parser.add_argument("path")
    parser.add_argument("--out", required=True)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    import matplotlib

    from .reports import write_report

    matplotlib.use("Agg")  # no display: the figures only become PNGs
    try:
        out = write_report(args.path, args.out, args.force, "--force")
    except (ValueError, OSError) as e:
        print(f"rnnscope: error: {e}", file=sys.stderr)
        return 2
    print(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
