"""docs/adding-an-op.md: its example of an op made outside the library runs and is right."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor, Value
from tinygrad_edu.compare import central_difference

PAGE = Path(__file__).resolve().parent.parent / "docs" / "adding-an-op.md"


def test_the_pages_cube_op_runs_and_its_gradients_are_three_x_squared() -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    scope: dict[str, object] = {}
    exec(blocks[0], scope)  # the page's own asserts run gradcheck on both engines
    cube = scope["cube"]
    v = Value(0.7)
    cube(v).backward()  # type: ignore[operator]
    assert abs(v.grad - 3 * 0.7**2) < 1e-12
    x = np.array([-1.5, 0.2, 2.0])
    t = Tensor(x, requires_grad=True)
    cube(t).sum().backward()  # type: ignore[operator]
    numeric = central_difference(lambda a: float(np.sum(a**3)), x)
    np.testing.assert_allclose(t.grad, numeric, rtol=1e-7)
    assert cube(v).op == "cube"  # type: ignore[operator]
