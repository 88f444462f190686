"""Reference solution of the stub tinygrad_edu/exercise_stubs/12_momentum.py."""


def momentum_step(W, grad, velocity, lr, momentum):
    velocity_new = momentum * velocity + grad
    return W - lr * velocity_new, velocity_new
