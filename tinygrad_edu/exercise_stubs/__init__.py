"""The exercises' stubs, one file per exercise, shipped inside the package.

``tinygrad-edu exercises DIR`` copies them into DIR for a learner to fill in; each file's
docstring states its formula and how to check it. The reference solutions are kept out of
the package (``tests/exercise_solutions/`` in the repository).
"""
