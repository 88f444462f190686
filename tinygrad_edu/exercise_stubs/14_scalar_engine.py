"""Exercise 14 (beyond the notes): the backward pass of a small scalar engine.

Every δ rule of the notes is the chain rule, applied node by node. An autograd engine does
exactly that: each node remembers its parents and how it was made, and ``backward()``

1. sets the root's grad to 1 (d root / d root),
2. visits every node in REVERSE topological order (a node only after every node that
   uses it), and
3. adds to each parent: parent.grad += (∂node/∂parent) · node.grad   (+=: a node used
   twice gets both shares).

The local derivatives ∂node/∂parent:

    out = a + b      1 for a, 1 for b
    out = a · b      b for a, a for b
    out = tanh(a)    1 − out²   (note 03)

The forward part of ``Scalar`` is written. Implement ``local_derivatives`` and
``backward``. The grader builds random expression graphs with your class (leaves
``Scalar(x)``, then ``+``, ``*`` and ``.tanh()``), calls ``backward()`` on the last node and
compares every node's ``grad`` with the library's own engine.

Check your answer:  tinygrad-edu check 14_scalar_engine.py
"""

import math


class Scalar:
    """A number that remembers how it was computed."""

    def __init__(self, data: float, parents: tuple = (), op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents  # the Scalars it was made from
        self.op = op  # "+", "*", "tanh", or "" for a leaf

    def __add__(self, other: "Scalar") -> "Scalar":
        return Scalar(self.data + other.data, (self, other), "+")

    def __mul__(self, other: "Scalar") -> "Scalar":
        return Scalar(self.data * other.data, (self, other), "*")

    def tanh(self) -> "Scalar":
        return Scalar(math.tanh(self.data), (self,), "tanh")

    def local_derivatives(self) -> tuple:
        """∂self/∂parent for each of self.parents, in the same order."""
        raise NotImplementedError("one number per parent, by self.op")

    def backward(self) -> None:
        """Fill in .grad of every node this one depends on (d self / d node)."""
        raise NotImplementedError("order the nodes topologically, then walk them reversed")
