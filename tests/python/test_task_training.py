"""Every task is learnable: its CI config (configs/ci/<task>.toml, a small network and budget,
documented easier variants where needed) trains to the task's own criterion."""

import pathlib

import pytest

import rnnscope

CI_CONFIGS = sorted((pathlib.Path(__file__).parents[2] / "configs" / "ci").glob("*.toml"))


def test_every_task_has_a_ci_config():
    assert {p.stem for p in CI_CONFIGS} == set(rnnscope.tasks.names())


@pytest.mark.parametrize("config", CI_CONFIGS, ids=lambda p: p.stem)
def test_task_trains_to_criterion(tmp_path, config):
    summary = rnnscope.train(str(config), out=tmp_path / "run", progress=False)
    assert summary["reached_target"], (
        f"{config.stem}: accuracy {summary['final_accuracy']:.3f} after {summary['steps']} steps, "
        f"target {summary['target_accuracy']}")
    assert summary["final_accuracy"] >= summary["target_accuracy"]
