"""The tinygrad_edu benchmark suite: ``python -m benchmarks [--quick]``.

- ``value_engine``: the Value engine against micrograd (one training step, memory per node);
- ``tensor_engine``: the Tensor engine against the numpy δ-rule step and PyTorch;
- ``deep_graphs``: build + backward time per node on chains of 10⁴ … 10⁶ nodes;
- ``numpy_step``: the hand-written numpy step (the floor);
- ``timing``: loops, interleaving, medians; ``report``: tables and the chart;
- ``run``: runs each part in a fresh process and writes docs/performance.md's results.
"""
