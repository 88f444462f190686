"""Saving and loading models: bit-exact, across engines, all-or-nothing, atomic."""

import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import nn, saving


def assert_same_weights(a, b):
    for (W1, b1), (W2, b2) in zip(a, b):
        np.testing.assert_array_equal(W1, W2)
        if b1 is None:
            assert b2 is None
        else:
            np.testing.assert_array_equal(b1, b2)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("bias", [True, False])
def test_round_trip_is_bit_exact(tmp_path, engine, bias):
    model = nn.MLP([3, 5, 2], hidden="tanh", bias=bias, engine=engine, seed=1)
    # awkward numbers that a text format would round
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            (rng.normal(size=W.shape) / 3, None if b is None else rng.normal(size=b.shape) * 1e-300)
            for W, b in model.get_weights()
        ]
    )
    path = tmp_path / "model.npz"
    model.save(path)
    other = nn.MLP([3, 5, 2], hidden="tanh", bias=bias, engine=engine, seed=2)
    assert other.load(path) is other
    assert_same_weights(model.get_weights(), other.get_weights())
    for (W1, _), (W2, _) in zip(model.get_weights(), other.get_weights()):
        assert W1.tobytes() == W2.tobytes()


@pytest.mark.parametrize("source, target", [("tensor", "value"), ("value", "tensor")])
def test_a_file_from_one_engine_loads_into_the_other(tmp_path, source, target):
    model = nn.MLP([2, 3, 1], engine=source, seed=1)
    model.save(tmp_path / "m.npz")
    other = nn.MLP([2, 3, 1], engine=target, seed=2).load(tmp_path / "m.npz")
    assert_same_weights(model.get_weights(), other.get_weights())
    x = [0.25, -0.5]
    out = model(x)
    out_other = other(x)
    a = out.data if source == "tensor" else [o.data for o in out]
    b = out_other.data if target == "tensor" else [o.data for o in out_other]
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


def test_the_file_is_a_plain_npz_of_the_state_dict(tmp_path):
    model = nn.MLP([2, 3, 1], seed=1)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as file:
        assert sorted(file.files) == sorted(model.state_dict())
        np.testing.assert_array_equal(file["layers.0.weight"], model.get_weights()[0][0])


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_a_truncated_file_is_refused_and_the_model_is_unchanged(tmp_path, engine):
    nn.MLP([2, 3, 1], seed=1).save(tmp_path / "good.npz")
    content = (tmp_path / "good.npz").read_bytes()
    for cut in (len(content) // 2, len(content) - 30, 10, 0):
        (tmp_path / "bad.npz").write_bytes(content[:cut])
        model = nn.MLP([2, 3, 1], engine=engine, seed=2)
        before = model.get_weights()
        with pytest.raises(ValueError, match=r"bad\.npz.*truncated or corrupt"):
            model.load(tmp_path / "bad.npz")
        assert_same_weights(before, model.get_weights())


@pytest.mark.parametrize(
    "sizes, bias, match",
    [
        ([2, 4, 1], True, r"'layers.0.weight' has shape \(3, 2\), this model has \(4, 2\)"),
        ([2, 3, 3, 1], True, r"missing \['layers.2.weight', 'layers.2.bias'\]"),
        ([2, 3, 1], False, r"unexpected \['layers.0.bias', 'layers.1.bias'\]"),
    ],
)
def test_a_file_from_a_different_architecture_is_refused_without_change(
    tmp_path, sizes, bias, match
):
    nn.MLP([2, 3, 1], seed=1).save(tmp_path / "m.npz")
    model = nn.MLP(sizes, bias=bias, seed=2)
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.load(tmp_path / "m.npz")
    assert_same_weights(before, model.get_weights())


def test_a_file_with_the_wrong_dtype_is_refused(tmp_path):
    model = nn.MLP([2, 3, 1], seed=1)
    state = {k: v.astype(np.float32) for k, v in model.state_dict().items()}
    np.savez(tmp_path / "f32.npz", **state)
    before = model.get_weights()
    with pytest.raises(ValueError, match="dtype float32, this model has float64"):
        model.load(tmp_path / "f32.npz")
    assert_same_weights(before, model.get_weights())


def test_a_file_needing_pickle_is_refused(tmp_path):
    # An object array can only be read with pickle, which could run code from the file.
    model = nn.MLP([2, 3, 1], seed=1)
    state = dict(model.state_dict())
    state["layers.0.weight"] = np.array([object()] * 6, dtype=object).reshape(3, 2)
    np.savez(tmp_path / "pickled.npz", **state)
    with pytest.raises(ValueError, match=r"pickled\.npz.*not a readable"):
        model.load(tmp_path / "pickled.npz")


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.MLP([2, 1]).load(tmp_path / "nothing.npz")


def test_a_failing_write_leaves_the_old_file_intact_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old = nn.MLP([2, 3, 1], seed=1)
    old.save(path)
    old_bytes = path.read_bytes()

    def crash_midway(file, arrays):
        file.write(b"PK\x03\x04 half a zip")  # start writing, then die
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saving, "write_npz", crash_midway)
    with pytest.raises(OSError, match=re.escape(f"No space left on device: {str(path)!r}")):
        nn.MLP([2, 3, 1], seed=2).save(path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["m.npz"]
    monkeypatch.undo()
    assert_same_weights(nn.MLP([2, 3, 1], seed=9).load(path).get_weights(), old.get_weights())


def test_save_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    nn.MLP([2, 3, 1], seed=1).save(path)
    newer = nn.MLP([2, 3, 1], seed=2)
    newer.save(str(path))
    assert_same_weights(
        nn.MLP([2, 3, 1], seed=3).load(str(path)).get_weights(), newer.get_weights()
    )
    assert os.listdir(tmp_path) == ["m.npz"]


def test_any_module_saves_and_loads(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 1, seed=1))
    model.save(tmp_path / "seq.npz")
    other = nn.Sequential(nn.Linear(2, 3, seed=5), nn.Tanh(), nn.Linear(3, 1, seed=6))
    other.load(tmp_path / "seq.npz")
    for p, q in zip(model.parameters(), other.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_saved_file_gets_the_same_permissions_as_a_plain_file(tmp_path):
    (tmp_path / "plain").write_bytes(b"")
    nn.MLP([2, 1], seed=0).save(tmp_path / "m.npz")
    assert os.stat(tmp_path / "m.npz").st_mode == os.stat(tmp_path / "plain").st_mode


def test_the_saving_page_runs_and_its_file_is_what_it_says(tmp_path, monkeypatch, capsys):
    page = (Path(__file__).resolve().parents[1] / "docs" / "saving.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "docs/saving.md", "exec"), scope)
    outputs = [float(x) for x in capsys.readouterr().out.split("]")[0].strip("[").split(",")]
    np.testing.assert_array_less(np.abs(np.array(outputs) - [0, 1, 1, 0]), 0.1)
    # "an uncompressed ZIP archive holding one member NAME.npy per key"
    with zipfile.ZipFile(tmp_path / "xor.npz") as archive:
        members = archive.infolist()
    assert sorted(m.filename for m in members) == sorted(
        f"{k}.npy" for k in scope["model"].state_dict()
    )
    assert {m.compress_type for m in members} == {zipfile.ZIP_STORED}


# --- files that are not what save() writes: each gets its own message naming the path -----


@pytest.mark.parametrize(
    "kind, write, match",
    [
        ("npy", lambda p: np.save(p, np.ones(3)), "is a .npy file (one array, from np.save)"),
        ("text", lambda p: p.write_text("w = 0.5\nb = ä\n"), "is a text file, not an .npz"),
        (
            "random",
            lambda p: p.write_bytes(b"\xff\xfe" + np.random.default_rng(0).bytes(300)),
            "its first bytes are not a zip archive's",
        ),
    ],
)
def test_a_file_that_is_not_an_npz_says_what_it_is(tmp_path, kind, write, match):
    path = tmp_path / f"{kind}.npz"
    write(path)
    if kind == "npy":
        os.replace(tmp_path / "npy.npz.npy", path)  # np.save added ".npy"
    model = nn.MLP([2, 3, 1], seed=1)
    before = model.get_weights()
    with pytest.raises(ValueError) as error:
        model.load(path)
    assert str(path) in str(error.value) and match in str(error.value)
    assert "truncated or corrupt" not in str(error.value)
    assert_same_weights(before, model.get_weights())


def test_an_unreadable_file_is_a_permission_error_naming_it(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "locked.npz"
    nn.MLP([2, 1], seed=0).save(path)
    real_open = builtins.open

    def refuse(file, *args, **kwargs):  # what open() does without read permission
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    with pytest.raises(PermissionError, match=re.escape(f"Permission denied: {str(path)!r}")):
        nn.MLP([2, 1], seed=1).load(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_a_file_without_read_permission_is_a_permission_error(tmp_path):
    path = tmp_path / "locked.npz"
    nn.MLP([2, 1], seed=0).save(path)
    os.chmod(path, 0)
    with pytest.raises(PermissionError, match=r"locked\.npz"):
        nn.MLP([2, 1], seed=1).load(path)


def test_a_failed_save_names_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "no such folder" / "m.npz"
    with pytest.raises(FileNotFoundError) as error:
        nn.MLP([2, 1], seed=0).save(path)
    assert str(path) in str(error.value) and ".tmp-" not in str(error.value)


def test_saving_over_a_file_keeps_its_permission_bits(tmp_path):
    path = tmp_path / "m.npz"
    nn.MLP([2, 1], seed=0).save(path)
    os.chmod(path, 0o640)
    nn.MLP([2, 1], seed=1).save(path)
    assert os.stat(path).st_mode & 0o7777 == 0o640


def test_parameters_named_file_and_allow_pickle_save_and_load(tmp_path):
    from tinygrad_edu import Tensor

    class Odd(nn.Module):
        def __init__(self, a, b):
            self.file = Tensor(np.array([a, 2.0]), requires_grad=True)
            self.allow_pickle = Tensor(np.array([b]), requires_grad=True)

    Odd(1.5, -3.0).save(tmp_path / "odd.npz")
    other = Odd(0.0, 0.0).load(tmp_path / "odd.npz")
    np.testing.assert_array_equal(other.file.data, [1.5, 2.0])
    np.testing.assert_array_equal(other.allow_pickle.data, [-3.0])
    with np.load(tmp_path / "odd.npz") as file:  # still a plain .npz that numpy reads
        assert sorted(file.files) == ["allow_pickle", "file"]


# --- crafted files: every header is checked before any data is read -----------------------


def _npy(shape, descr="<f8", data=None, version=(1, 0), fortran=False):
    """One .npy member's bytes: a header declaring ``shape`` and ``descr``, then ``data``
    (by default the zeros it declares)."""
    import io

    out = io.BytesIO()
    header = {"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(out, header)
    else:
        np.lib.format.write_array_header_2_0(out, header)
    if data is None:
        data = bytes(int(np.prod(shape)) * np.dtype(descr).itemsize)
    return out.getvalue() + data


def _archive(path, members):
    """A zip of ``members`` (member name -> bytes), stored as save() stores them."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _members_of(model):
    """The members save() would write for ``model``, as bytes."""
    import io

    members = {}
    for name, array in model.state_dict().items():
        out = io.BytesIO()
        np.lib.format.write_array(out, array)
        members[name + ".npy"] = out.getvalue()
    return members


def test_a_header_declaring_a_huge_array_is_refused_before_anything_is_allocated(tmp_path):
    import tracemalloc

    model = nn.MLP([2, 3, 1], seed=1)
    members = _members_of(model)
    # 100000 × 100000 float64 = 74.5 GiB declared; 48 bytes of data actually there
    members["layers.0.weight.npy"] = _npy((100000, 100000), data=bytes(48))
    path = _archive(tmp_path / "huge.npz", members)
    before = model.get_weights()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as error:
            model.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(error.value)
    assert "'layers.0.weight' has shape (100000, 100000), this model has (3, 2)" in str(error.value)
    assert peak < 1_000_000  # bytes: the file is small and nothing it declares was allocated
    assert_same_weights(before, model.get_weights())


def test_headers_are_all_checked_before_any_data_is_read(tmp_path):
    """Member 1 has bytes after its data, member 2 the wrong shape: the shape is reported,
    because no member's data is read until every header fits the model."""
    model = nn.MLP([2, 3, 1], seed=1)
    members = _members_of(model)
    members["layers.0.weight.npy"] += b"more"
    members["layers.1.weight.npy"] = _npy((1, 4))
    path = _archive(tmp_path / "two.npz", members)
    with pytest.raises(ValueError, match=r"'layers.1.weight' has shape \(1, 4\), this model has"):
        model.load(path)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_bytes_after_an_arrays_data_are_refused(tmp_path, engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=1)
    members = _members_of(nn.MLP([2, 3, 1], seed=2))
    members["layers.0.bias.npy"] += b"\x00" * 8  # one more float64 than the header declares
    path = _archive(tmp_path / "longer.npz", members)
    before = model.get_weights()
    with pytest.raises(ValueError) as error:
        model.load(path)
    message = str(error.value)
    assert str(path) in message and "not a readable .npz file written by save()" in message
    assert "'layers.0.bias.npy' holds more bytes after the 24 bytes its header declares" in message
    assert_same_weights(before, model.get_weights())


def test_an_array_shorter_than_its_header_is_refused(tmp_path):
    model = nn.MLP([2, 3, 1], seed=1)
    members = _members_of(model)
    members["layers.0.weight.npy"] = members["layers.0.weight.npy"][:-8]  # a valid zip member
    path = _archive(tmp_path / "short.npz", members)
    with pytest.raises(ValueError, match=r"short\.npz.*'layers.0.weight.npy' ends before the 48"):
        model.load(path)


@pytest.mark.parametrize(
    "member, content, match",
    [
        ("layers.0.weight.npy", _npy((3, 2), "<f4"), "has dtype float32, this model has float64"),
        ("layers.0.weight.npy", _npy((3, 2), "|O", data=b""), "needs pickle"),
        ("layers.0.weight.npy", b"\x93NUMPY\x03\x00" + bytes(60), r"version \(3, 0\)"),
        ("layers.0.weight.npy", b"not a header at all", r"the header of 'layers.0.weight.npy'"),
        ("notes.txt", b"hello", r"it holds 'notes.txt', which is not an array"),
    ],
)
def test_a_crafted_member_is_refused_naming_the_path(tmp_path, member, content, match):
    model = nn.MLP([2, 3, 1], seed=1)
    members = {**_members_of(model), member: content}
    path = _archive(tmp_path / "crafted.npz", members)
    before = model.get_weights()
    with pytest.raises(ValueError, match=match) as error:
        model.load(path)
    assert str(path) in str(error.value)
    assert_same_weights(before, model.get_weights())


def test_a_member_twice_is_refused(tmp_path):
    model = nn.MLP([2, 1], seed=1)
    path = _archive(tmp_path / "twice.npz", _members_of(model))
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("layers.0.bias.npy", _npy((1,)))
    with pytest.raises(ValueError, match=r"twice\.npz.*'layers.0.bias.npy' twice"):
        model.load(path)


def test_what_numpy_writes_otherwise_still_loads(tmp_path):
    """Version 2.0 headers, Fortran order and a compressed archive are NumPy's own forms of
    the same arrays: they load, to the same numbers."""
    model = nn.MLP([2, 3, 1], seed=1)
    weights = model.get_weights()
    W = np.asfortranarray(weights[0][0])
    members = _members_of(model)
    members["layers.0.weight.npy"] = _npy(W.shape, data=W.tobytes(order="F"), fortran=True)
    members["layers.1.bias.npy"] = _npy((1,), data=weights[1][1].tobytes(), version=(2, 0))
    other = nn.MLP([2, 3, 1], seed=2).load(_archive(tmp_path / "forms.npz", members))
    assert_same_weights(weights, other.get_weights())
    np.savez_compressed(tmp_path / "packed.npz", **model.state_dict())
    assert_same_weights(
        weights, nn.MLP([2, 3, 1], seed=3).load(tmp_path / "packed.npz").get_weights()
    )
