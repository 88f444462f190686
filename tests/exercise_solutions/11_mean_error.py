"""Reference solution of the stub tinygrad_edu/exercise_stubs/11_mean_error.py."""


def mean_output_delta(net, O, t):
    n = O.size  # every entry of O counts 1/n in the mean
    return 2.0 / n * (O - t) * O * (1.0 - O)
