"""Executable documentation: every code block of README.md and docs/*.md runs as written.

Each document runs top to bottom in a fresh directory that holds what a user's checkout
holds (``configs/`` and the data files the docs name), with the installed ``rnnscope``
first on PATH: ``sh``/``bash`` blocks in bash with ``-e``, ``python`` blocks in one Python
namespace per document (so later blocks see earlier names). A block is preceded by
directives in HTML comments, which a reader of the rendered page does not see:

  <!-- doctest: skip: REASON -->        not run (the reason is required)
  <!-- doctest: exit N -->              must end with exit code N (a shown failure)
  <!-- doctest: file NAME -->           the block is a file's content; written to NAME
  <!-- doctest: replace OLD => NEW -->  run with OLD replaced by NEW (a shortened run; \n in
                                        NEW is a line break)
  <!-- doctest: excerpt PATH... -->     a quotation of the source: its lines must appear,
                                        in order, in these files (``...`` lines elide;
                                        ``//`` lines annotate)

A ``cpp`` or ``toml`` block without a directive is an error, so no block goes unchecked
by accident; blocks without a language (diagrams, output) are prose.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
RUNNABLE = {"sh", "bash", "python"}
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
DIRECTIVE = re.compile(r"<!--\s*doctest:\s*(.*?)\s*-->")


@dataclass
class Block:
    document: Path
    line: int
    language: str
    code: str
    directives: list[str] = field(default_factory=list)

    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"

    def directive(self, name: str) -> list[str]:
        return [d[len(name):].strip() for d in self.directives if d.split(None, 1)[0].rstrip(":") == name]


def blocks_of(document: Path, text: str | None = None) -> list[Block]:
    text = document.read_text() if text is None else text
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        # The directives are the comments on the lines right above the fence.
        directives = []
        for line in reversed(before.rstrip("\n").split("\n")):
            found = DIRECTIVE.fullmatch(line.strip())
            if not found:
                break
            directives.insert(0, found.group(1))
        blocks.append(Block(document, before.count("\n") + 1, match.group(1), match.group(2), directives))
    return blocks


def parse_directives(block: Block) -> None:
    known = {"skip", "exit", "file", "replace", "excerpt"}
    for d in block.directives:
        name = d.split(None, 1)[0].rstrip(":")
        assert name in known, f"{block.where()}: unknown doctest directive '{d}' (known: {sorted(known)})"
    if block.directive("skip"):
        assert block.directive("skip")[0].lstrip(":").strip(), f"{block.where()}: a skip needs a reason"


def excerpt_matches(code: str, paths: list[str]) -> str | None:
    """None when every line of `code` appears, in order, in the files (whitespace aside, so
    that a quotation may wrap lines differently); else the first missing line."""
    source = re.sub(r"\s+", "", "\n".join((ROOT / p).read_text() for p in paths))
    position = 0
    for wanted in code.split("\n"):
        wanted = re.sub(r"\s+", "", wanted)
        # Elisions and the block's own annotations ("// cli/cmd_models.cpp (the callback)").
        if not wanted or "..." in wanted or "…" in wanted or wanted.startswith("//"):
            continue
        found = source.find(wanted, position)
        if found < 0:
            return wanted
        position = found + len(wanted)
    return None


def workspace(tmp_path: Path) -> Path:
    """A fresh directory that looks like the top of a user's checkout."""
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    return tmp_path


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def run_block(block: Block, cwd: Path, namespace: dict) -> None:
    code = block.code
    for rule in block.directive("replace"):
        old, sep, new = rule.partition("=>")
        assert sep, f"{block.where()}: replace needs 'OLD => NEW'"
        old, new = old.strip(), new.strip().replace("\\n", "\n")
        assert old in code, f"{block.where()}: replace: '{old}' is not in the block"
        code = code.replace(old, new)
    files = block.directive("file")
    if files:
        (cwd / files[0]).write_text(code)
        return
    expected_exit = int(block.directive("exit")[0]) if block.directive("exit") else 0
    if block.language == "python":
        with contextlib.chdir(cwd):
            try:
                exec(compile(code, block.where(), "exec"), namespace)
                exit_code = 0
            except Exception as e:  # noqa: BLE001 - a failing block is reported with its location
                if expected_exit == 0:
                    raise AssertionError(f"{block.where()}: {type(e).__name__}: {e}") from e
                exit_code = 1
        assert exit_code == expected_exit, f"{block.where()}: expected to fail, but it ran"
        return
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=cwd, env=environment(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == expected_exit, (
        f"{block.where()}: exit {result.returncode}, expected {expected_exit}\n"
        f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_document_runs_as_written(document: Path, tmp_path: Path) -> None:
    cwd = workspace(tmp_path)
    namespace: dict = {"__name__": "__doctest__"}
    for block in blocks_of(document):
        parse_directives(block)
        if block.directive("skip"):
            continue
        if block.directive("excerpt"):
            missing = excerpt_matches(block.code, block.directive("excerpt")[0].split())
            assert missing is None, f"{block.where()}: excerpt line not in the source: {missing!r}"
            continue
        if block.language in RUNNABLE or block.directive("file"):
            run_block(block, cwd, namespace)
            continue
        assert not block.language, (f"{block.where()}: a {block.language} block needs a directive "
                                    "(file NAME, excerpt PATH, or skip: REASON)")


def test_the_runner_reads_directives_and_checks_excerpts(tmp_path: Path) -> None:
    text = ("Prose.\n\n<!-- doctest: skip: needs a cluster -->\n```sh\nmpirun -np 64 x\n```\n"
            "<!-- doctest: file a.toml -->\n<!-- doctest: replace 1 => 2 -->\n```toml\nx = 1\n```\n"
            "```\na diagram\n```\n")
    skip, toml, diagram = blocks_of(ROOT / "README.md", text)
    assert (skip.language, skip.line, skip.directive("skip")) == ("sh", 4, [": needs a cluster"])
    assert toml.directive("file") == ["a.toml"] and toml.directive("replace") == ["1 => 2"]
    assert diagram.language == "" and not diagram.directives
    run_block(toml, tmp_path, {})
    assert (tmp_path / "a.toml").read_text() == "x = 2\n"
    # A quotation may wrap differently, elide with "..." and annotate with "//"; a changed
    # line is found.
    source = "src/training/task_objective.cpp"
    assert excerpt_matches("// where\nbool TaskObjective::reached(const Metrics& metrics,\n"
                           "    size_t replica) const {\n  ...\n}", [source]) is None
    assert excerpt_matches("bool TaskObjective::reached(const Metrics& m, size_t replica) const", [source]) \
        == "boolTaskObjective::reached(constMetrics&m,size_treplica)const"
    unknown = Block(ROOT / "README.md", 1, "sh", "", ["bogus"])
    with pytest.raises(AssertionError, match="unknown doctest directive"):
        parse_directives(unknown)
