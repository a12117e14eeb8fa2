"""The recurrent engines against PyTorch's own layers: the GRU and LSTM (fused and reference)
equal torch.nn.GRU / torch.nn.LSTM given the same weights — forward, and the gradients of
every weight, the initial state and the inputs — and a trained gated network's model.h5
loads into torch.nn.GRU / LSTM and reproduces `rnnscope.evaluate`'s states."""

import copy

import numpy as np
import pytest
import torch

import rnnscope
from rnnscope import _core
from conftest import SMALL_CONFIG

TORCH_LAYERS = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


def _torch_run(kind, layer, inputs, h0):
    """h_1..h_T of a one-layer torch.nn.GRU/LSTM from initial state h0 (c0 = 0)."""
    batch = inputs.shape[1]
    h = h0.expand(1, batch, -1)
    hx = h if kind == "gru" else (h, torch.zeros_like(h))
    return layer(inputs, hx)[0]


@pytest.mark.parametrize("kind", ["gru", "lstm"])
@pytest.mark.parametrize("engine", ["fused", "reference"])
@pytest.mark.parametrize("steps,batch,n_in,units", [(1, 1, 1, 1), (1, 4, 3, 5), (23, 1, 2, 7), (31, 6, 4, 9)])
def test_gated_layer_equals_torch(kind, engine, steps, batch, n_in, units):
    torch.manual_seed(steps * 100 + batch)
    layer = TORCH_LAYERS[kind](n_in, units, dtype=torch.float64)
    inputs = torch.randn(steps, batch, n_in, dtype=torch.float64, requires_grad=True)
    h0 = (0.5 * torch.randn(units, dtype=torch.float64)).requires_grad_()
    out = _torch_run(kind, layer, inputs, h0)
    grad_out = torch.randn_like(out)
    out.backward(grad_out)

    params = {"W_ih": layer.weight_ih_l0, "W_hh": layer.weight_hh_l0, "b_ih": layer.bias_ih_l0,
              "b_hh": layer.bias_hh_l0, "x0": h0}
    weights = {name: p.detach().numpy() for name, p in params.items()}
    states, grads = _core.run_layer(kind, engine, weights, inputs.detach().numpy(), grad_out.numpy())
    np.testing.assert_allclose(states, out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, p in params.items():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)
    np.testing.assert_allclose(grads["inputs"], inputs.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_run_layer_errors_name_the_problem():
    weights = {"W_ih": np.zeros((6, 2)), "W_hh": np.zeros((6, 2)), "b_ih": np.zeros(6), "b_hh": np.zeros(6)}
    inputs, grads = np.zeros((3, 1, 2)), np.zeros((3, 1, 2))
    with pytest.raises(ValueError, match="W_hh"):
        _core.run_layer("lstm", "fused", weights, inputs, grads)
    with pytest.raises(ValueError, match="allowed: fused, reference"):
        _core.run_layer("gru", "turbo", weights, inputs, grads)
    with pytest.raises(ValueError, match="bogus"):
        _core.run_layer("gru", "fused", {**weights, "bogus": np.zeros(1)}, inputs, grads)


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_trained_gated_model_file_reproduces_in_torch(tmp_path, kind):
    cfg = copy.deepcopy(SMALL_CONFIG)
    cfg["model"] = {"type": kind, "units": 12, "learn_x0": True}
    summary = rnnscope.train(cfg, out=tmp_path / "run", progress=False)
    assert summary["model"] == kind and summary["train_steps_per_second"] > 0
    run = rnnscope.load_run(tmp_path / "run")
    assert run["model_attrs"]["model"] == kind
    gates = 3 if kind == "gru" else 4
    w = {k: torch.from_numpy(v.astype(np.float64)) for k, v in run["model"].items()}
    assert w["W_hh"].shape == (gates * 12, 12)

    ev = rnnscope.evaluate(tmp_path / "run", trials=5, noise=False)
    layer = TORCH_LAYERS[kind](w["W_ih"].shape[1], 12, dtype=torch.float64)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(w["W_ih"])
        layer.weight_hh_l0.copy_(w["W_hh"])
        layer.bias_ih_l0.copy_(w["b_ih"])
        layer.bias_hh_l0.copy_(w["b_hh"])
        inputs = torch.from_numpy(ev["inputs"].astype(np.float64)).transpose(0, 1)  # time-major
        h = _torch_run(kind, layer, inputs, w["x0"])
        outputs = h @ w["W_out"].T + w["b_out"]
    np.testing.assert_allclose(ev["states"], h.transpose(0, 1).numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ev["outputs"], outputs.transpose(0, 1).numpy(), rtol=1e-4, atol=1e-5)
