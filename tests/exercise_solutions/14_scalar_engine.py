"""Reference solution of the stub tinygrad_edu/exercise_stubs/14_scalar_engine.py."""

import math


class Scalar:
    def __init__(self, data, parents=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.op = op

    def __add__(self, other):
        return Scalar(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        return Scalar(self.data * other.data, (self, other), "*")

    def tanh(self):
        return Scalar(math.tanh(self.data), (self,), "tanh")

    def local_derivatives(self):
        if self.op == "+":
            return (1.0, 1.0)
        if self.op == "*":
            a, b = self.parents
            return (b.data, a.data)
        if self.op == "tanh":
            return (1.0 - self.data**2,)
        return ()

    def backward(self):
        order, seen = [], set()

        def visit(node):  # depth first: a node after all of its parents
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_derivatives()):
                parent.grad += local * node.grad
