"""tinygrad_edu.data: shapes, seeding, the geometry of each set, and bad arguments."""

import math
import sys

import numpy as np
import pytest

from tinygrad_edu import data

GENERATORS = {
    "moons": (data.moons, 2, 1),
    "spirals": (data.spirals, 2, 3),
    "sine": (data.sine, 1, 1),
}


def test_xor_is_the_truth_table():
    X, y = data.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    for (a, b), (t,) in zip(X, y):
        assert t == float(int(a) ^ int(b))


@pytest.mark.parametrize("name", GENERATORS)
def test_defaults_give_float_arrays_with_2d_targets(name):
    make, features, outputs = GENERATORS[name]
    X, y = make()
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert X.ndim == 2 and y.ndim == 2
    assert X.shape == (len(X), features) and y.shape == (len(X), outputs)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [1, 7, 50])
def test_n_is_the_total_number_of_samples(name, n):
    make, features, outputs = GENERATORS[name]
    if name == "spirals":
        n = max(n, 3)
    X, y = make(n=n, seed=1)
    assert X.shape == (n, features) and y.shape == (n, outputs)


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name][0]
    X1, y1 = make(n=30, seed=4)
    X2, y2 = make(n=30, seed=4)
    X3, _ = make(n=30, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_bad_n_is_a_value_error(name, n):
    with pytest.raises(ValueError, match="n must be"):
        GENERATORS[name][0](n=n)


@pytest.mark.parametrize("name", GENERATORS)
def test_n_of_the_wrong_type_is_a_type_error(name):
    with pytest.raises(TypeError, match="n must be"):
        GENERATORS[name][0](n="100")


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = data.moons(n=101, noise=0.0, seed=0)
    upper, lower = X[y[:, 0] == 0], X[y[:, 0] == 1]
    assert (len(upper), len(lower)) == (51, 50)
    # class 0 on the unit circle's upper half; class 1 on a circle around (1, 0.5), lower half
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_are_shuffled_so_a_prefix_has_both_classes():
    _, y = data.moons(n=200, seed=0)
    assert 5 <= y[:20].sum() <= 15


def test_moons_noise_has_the_standard_deviation_asked_for():
    # Isotropic Gaussian noise of std σ ≪ 1 moves a point off its circle by about N(0, σ²).
    X, y = data.moons(n=2000, noise=0.05, seed=0)
    upper = X[y[:, 0] == 0]
    radial = np.hypot(upper[:, 0], upper[:, 1]) - 1.0
    assert np.std(radial) == pytest.approx(0.05, rel=0.1)
    with pytest.raises(ValueError, match="noise"):
        data.moons(noise=-0.1)


def test_spirals_are_one_hot_evenly_spread_and_inside_the_unit_disc():
    X, y = data.spirals(n=100, classes=4, seed=0)
    assert y.shape == (100, 4)
    np.testing.assert_array_equal(y.sum(axis=1), 1.0)
    assert sorted(y.sum(axis=0)) == [25.0, 25.0, 25.0, 25.0]
    # noise perturbs only the angle, so every radius stays in [0, 1]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_spirals_need_one_sample_per_class():
    with pytest.raises(ValueError, match="per class"):
        data.spirals(n=2, classes=3)
    with pytest.raises(ValueError, match="n must be"):
        data.spirals(classes=0)


def test_sine_targets_are_sin_of_inputs_within_minus_pi_to_pi():
    X, y = data.sine(n=64, seed=3)
    assert np.all(np.abs(X) <= math.pi)
    np.testing.assert_allclose(y, np.sin(X), rtol=0, atol=1e-15)


def test_noise_beyond_float_range_is_a_value_error():
    with pytest.raises(ValueError, match="noise must be a finite number, got an integer too large"):
        data.moons(noise=10**400)


# --- the 8×8 digits shipped with scikit-learn -------------------------------------------------


def test_digits_split_is_every_image_once_one_hot_and_scaled_to_0_1():
    datasets = pytest.importorskip("sklearn.datasets")
    split = data.digits(test_fraction=0.25, seed=0)
    assert split.X_train.shape == (1348, 64) and split.X_test.shape == (449, 64)  # 1797 in all
    assert split.y_train.shape == (1348, 10) and split.y_test.shape == (449, 10)
    X = np.concatenate([split.X_train, split.X_test])
    y = np.concatenate([split.y_train, split.y_test])
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.all(y.sum(axis=1) == 1) and set(np.unique(y)) == {0.0, 1.0}
    # the same images and labels as scikit-learn's, pixels 0 … 16 divided by 16, each once
    raw = datasets.load_digits()
    ours = np.column_stack([X * 16, y.argmax(axis=1)])
    theirs = np.column_stack([raw.data, raw.target])
    np.testing.assert_array_equal(np.unique(ours, axis=0), np.unique(theirs, axis=0))
    assert len(np.unique(ours, axis=0)) == len(np.unique(theirs, axis=0))


def test_digits_same_seed_same_split_other_seed_other_split():
    pytest.importorskip("sklearn")
    first, again, other = data.digits(seed=0), data.digits(seed=0), data.digits(seed=1)
    np.testing.assert_array_equal(first.X_test, again.X_test)
    assert not np.array_equal(first.X_test, other.X_test)
    assert len(data.digits(test_fraction=0.1).X_test) == 180  # round(0.1 · 1797)


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(
        ModuleNotFoundError, match=r"scikit-learn.*pip install 'tinygrad_edu\[digits\]'"
    ):
        data.digits()


@pytest.mark.parametrize("fraction", [0, 1, -0.5, 1.5, "0.2", True])
def test_digits_test_fraction_must_be_between_0_and_1(fraction):
    with pytest.raises(
        ValueError, match=f"test_fraction must be between 0 and 1, got {fraction!r}"
    ):
        data.digits(test_fraction=fraction)
