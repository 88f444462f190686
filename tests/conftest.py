"""Shared test set-up: the `torch` marker skips cleanly where PyTorch is not installed."""

import importlib.util

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(
        reason="PyTorch is not installed (bash setup.sh dev installs its CPU build)"
    )
    for item in items:
        if "torch" in item.keywords and not HAS_TORCH:
            item.add_marker(skip)
