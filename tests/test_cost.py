"""The one cost model: the command's and the explore page's size guards both read it."""

from __future__ import annotations

import pytest

from tinygrad_edu import cli, cost
from tinygrad_edu.explore import playground
from tinygrad_edu.explore.playground import SettingError, Settings
from tinygrad_edu.explore.session import Session


def test_parameters_are_counted_layer_by_layer() -> None:
    # 2-3-1: 2·3 weights + 3 biases, then 3·1 weights + 1 bias
    assert cost.count_parameters([2, 3, 1]) == 6 + 3 + 3 + 1
    # 2-16-16-1, the explore page's benchmark network: 48 + 272 + 17
    assert cost.count_parameters((2, 16, 16, 1)) == 337
    assert cost.count_parameters([5]) == 0  # no layer, nothing to learn


def test_a_forward_pass_costs_its_layer_calls_and_its_multiply_adds() -> None:
    # 2-3-1 on 10 samples: 2 layer calls and 10 · 13 multiply-adds
    tensor = cost.forward_seconds([2, 3, 1], 10, "tensor")
    assert tensor == pytest.approx(2 * cost.LAYER_SECONDS["tensor"] + 130 * 2e-9)
    assert cost.forward_seconds([2, 3, 1], 10, "value") == pytest.approx(130 * 2e-6)
    # finite differences: two forward passes for each of the 13 parameters
    assert cost.finite_difference_seconds([2, 3, 1], 10, "value") == pytest.approx(26 * 130 * 2e-6)
    # a Value costs far more per multiply-add than a slot of a matrix product
    assert cost.WEIGHT_SECONDS["value"] > 100 * cost.WEIGHT_SECONDS["tensor"]


@pytest.mark.parametrize("engine", ["gpu", "", None, "Tensor"])
def test_an_unknown_engine_is_refused_by_name(engine: object) -> None:
    with pytest.raises(ValueError, match=f"engine must be one of tensor, value, got {engine!r}"):
        cost.forward_seconds([2, 3, 1], 1, engine)  # type: ignore[arg-type]


def test_the_command_and_the_explore_page_ask_the_same_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 2-4-1 network is small for both guards ...
    cli.check_compare_cost([2, 4, 1], 4, "tensor")
    playground.check_cost([2, 4, 1], 10, "tensor")
    session = Session(settings=Settings(hidden=(4,), points=40))
    session.compare()
    # ... until the one table of costs says a multiply-add takes a second: then all refuse
    monkeypatch.setitem(cost.WEIGHT_SECONDS, "tensor", 1.0)
    with pytest.raises(cli.UsageError, match="forward passes, about"):
        cli.check_compare_cost([2, 4, 1], 4, "tensor")
    with pytest.raises(SettingError, match="takes about"):
        playground.check_cost([2, 4, 1], 10, "tensor")
    with pytest.raises(SettingError, match="finite differences for 17 weights"):
        session.compare()
    with pytest.raises(SettingError, match=r"2-4-1 network .* takes about"):
        session.step(1)
