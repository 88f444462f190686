"""tinygrad-edu explore: the session (data, settings, training) and its server's security.

The server is started in this process on a free port for most tests (a plain HTTP client,
``http.client``, sends exactly the headers a test wants); Ctrl-C, the first line of output
and a port in use run the real command in a subprocess.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import nn, ops, rules, viz
from tinygrad_edu.explore import ExploreServer, Session, SettingError, Settings, make_data
from tinygrad_edu.explore.playground import FEATURES, features, load_rules, read_points
from tinygrad_edu.explore.session import outputs

REPO = Path(__file__).resolve().parents[1]

WRONG_RULES = """
from tinygrad_edu import rules

def backward(weights, activations, x, t):
    forward = rules.forward(weights, activations, x)
    delta = rules.output_delta(activations[-1], forward[-1].net, forward[-1].out, t)
    layers = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        before = x if l == 0 else forward[l - 1].out
        layers[l] = (delta, rules.weight_gradient(delta, before), rules.bias_gradient(delta))
        delta = delta @ weights[l][0]  # the slip: the hidden delta without f'(net)
    return layers
"""


# --- a server in this process -----------------------------------------------------------------


@contextmanager
def serving(session: Session) -> Iterator[ExploreServer]:
    """The session's server on a free port, stopped at the end even when a test fails."""
    srv = ExploreServer(0, session)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[ExploreServer]:
    with serving(Session(settings=Settings(points=60))) as srv:
        yield srv


def request(
    srv: ExploreServer,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = "right",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers; ``token="right"`` sends the server's."""
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    sent = {"Host": f"127.0.0.1:{srv.port}"} | (headers or {})
    if token is not None:
        sent["X-Token"] = srv.token if token == "right" else token
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    connection.putrequest(method, path, skip_host=True)
    for name, value in sent.items():
        connection.putheader(name, value)
    if data is not None:
        connection.putheader("Content-Length", str(len(data)))
    connection.endheaders(data)
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


def state(srv: ExploreServer) -> dict[str, Any]:
    status, _, body = request(srv, "GET", "/api/state")
    assert status == 200
    return json.loads(body)


def test_the_page_and_the_api_need_the_token(server: ExploreServer) -> None:
    assert request(server, "GET", "/", token=None)[0] == 403
    assert request(server, "GET", "/", token="wrong")[0] == 403
    assert request(server, "GET", "/api/state", token=server.token[:-1])[0] == 403
    status, _, body = request(server, "GET", f"/?token={server.token}", token=None)
    assert status == 200 and b"<html" in body.lower()
    assert request(server, "GET", "/api/state")[0] == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example:80"},
        {"Host": "127.0.0.1:1"},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_foreign_host_or_origin_is_refused_even_with_the_token(
    server: ExploreServer, headers: dict[str, str]
) -> None:
    status, _, body = request(server, "POST", "/api/step", {"n": 1}, headers=headers)
    assert status == 403
    assert json.loads(body)["error"].startswith("forbidden")
    assert state(server)["steps"] == 0  # nothing ran
    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    assert request(server, "POST", "/api/step", {"n": 1}, headers=own)[0] == 200


@pytest.mark.parametrize("path", ["/", "/explore.js", "/api/state", "/nowhere", "/stepper?point=0"])
def test_every_response_sets_the_content_security_policy(server: ExploreServer, path: str) -> None:
    for token in ("right", None):
        _, headers, _ = request(server, "GET", path, token=token)
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy and "*" not in policy
        assert headers["Referrer-Policy"] == "no-referrer"


def test_the_step_through_page_allows_only_its_own_inline_code(server: ExploreServer) -> None:
    status, headers, body = request(server, "GET", "/stepper?point=2")
    assert status == 200 and b"<script>" in body
    policy = headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in policy and "'self'" in policy


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not JSON"),
        (b'{"settings": {"lr": NaN}}', "NaN"),
        ({"settings": {"lr": 1e999}}, "Infinity"),  # json.dumps writes Infinity: refused too
        ({"settings": {"lr": 1e300}}, "lr must be between"),
        ({"settings": {"hidden": [10**9]}}, "hidden width"),
        ({"settings": {"hidden": [2000, 2000, 2000]}}, "takes about"),
        ({"settings": {"lr": -1}}, "lr"),
        ({"settings": {"lr": "0.1"}}, "lr must be a number"),
        ({"settings": {"batch": 0}}, "batch"),
        ({"settings": {"features": []}}, "features"),
        ({"settings": {"activation": "softmax"}}, "activation"),
        ({"settings": {"dataset": "../../etc/passwd"}}, "dataset"),
        ({"settings": {"colour": 1}}, "unknown setting"),
        ({"settings": [1, 2]}, "object"),
    ],
)
def test_malformed_requests_and_absurd_settings_are_400_and_change_nothing(
    server: ExploreServer, body: Any, reason: str
) -> None:
    request(server, "POST", "/api/step", {"n": 3})
    before = state(server)
    status, _, answer = request(server, "POST", "/api/settings", body)
    assert status == 400
    assert reason in json.loads(answer)["error"]
    after = state(server)
    assert after["settings"] == before["settings"] and after["steps"] == 3
    assert after["loss"] == before["loss"]


@pytest.mark.parametrize("n", [0, -1, 10**6, 1.5, "3", True, None])
def test_a_bad_number_of_steps_is_refused(server: ExploreServer, n: Any) -> None:
    status, _, body = request(server, "POST", "/api/step", {"n": n})
    assert status == 400 and "n must be" in json.loads(body)["error"]


def test_an_oversized_body_and_unknown_paths(server: ExploreServer) -> None:
    status, _, body = request(server, "POST", "/api/step", b"{" + b" " * 100_000 + b"}")
    assert status == 400 and "at most" in json.loads(body)["error"]
    assert request(server, "GET", "/../../etc/passwd")[0] == 404
    assert request(server, "GET", "/stepper?point=99999")[0] == 400
    assert request(server, "GET", "/stepper?point=-1")[0] == 400


def test_clients_that_go_away_do_not_stop_the_server(server: ExploreServer) -> None:
    request(server, "POST", "/api/step", {"n": 2})
    for raw in (
        b"GET /api/sta",  # half a request line
        b"POST /api/step HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",  # half a body
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello
    ):
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(raw)
    # a client that reads no answer to a step and closes at once
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        body = b'{"n": 1}'
        s.sendall(
            b"POST /api/step HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Token: %s\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (server.port, server.token.encode(), len(body), body)
        )
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    after = state(server)
    assert after["steps"] in (2, 3)  # the last step ran or not; the state is whole
    assert math.isfinite(after["loss"]["train"])


def test_one_session_per_server(server: ExploreServer) -> None:
    # two clients share the one run: steps of both count on it, one after the other
    threads = [
        threading.Thread(target=request, args=(server, "POST", "/api/step", {"n": 5}))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state(server)["steps"] == 20


# --- the command in a subprocess ------------------------------------------------------------


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "explore", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_the_first_line_is_the_url_and_ctrl_c_stops_it_with_one_line() -> None:
    proc, url = start()
    try:
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("token=")[1]
        assert len(token) >= 24
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", f"/?token={token}")
        assert connection.getresponse().status == 200
        connection.close()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=2)  # the promise: within 2 s
    finally:
        proc.kill()
    assert proc.returncode == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["tinygrad-edu explore: interrupted (Ctrl-C)"]


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, PYTHONPATH=str(REPO))
        result = subprocess.run(
            [sys.executable, "-m", "tinygrad_edu", "explore", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"tinygrad-edu explore: error: --port {port}: Address already in use"
    ]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--port", "70000"], "a port is 0 … 65535"),
        (["--port", "x"], "not a whole number"),
        (["--data", "missing.csv"], "cannot be read"),
        (["--rules", "missing.py"], "cannot be read"),
        (["--rules", "notes.txt"], "ending in .py"),
        (["--data", "{bad}"], "line 3: '1,1,one' is not three numbers"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tinygrad_edu.cli import main

    bad = tmp_path / "points.csv"
    bad.write_text("x1,x2,label\n0,0,0\n1,1,one\n", encoding="utf-8")
    try:
        code = main(["explore", *(a.format(bad=bad) for a in args)])
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tinygrad-edu explore: error: ")
    assert says in err[0]


# --- the data and the settings ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["xor", "moons", "spirals", "sine", "circle", "gauss"])
def test_every_data_set_is_seeded_split_and_labelled(name: str) -> None:
    s = Settings(dataset=name, points=101, test=0.3, seed=4, classes=4)
    a, b = make_data(s), make_data(s)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)  # the same seed: the same points
    assert len(a.X_train) + len(a.X_test) == 101 and len(a.X_test) == round(0.3 * 101)
    assert a.X_train.shape[1] == 2 and np.all(np.isfinite(a.X_train))
    other = make_data(Settings(dataset=name, points=101, test=0.3, seed=5, classes=4))
    assert not np.array_equal(a.X_train, other.X_train)
    if name == "sine":
        assert a.classes == 0 and a.t_train.shape == (len(a.X_train), 1)
    elif name == "spirals":
        assert a.classes == 4 and a.t_train.shape == (len(a.X_train), 4)
        np.testing.assert_array_equal(a.t_train.argmax(axis=1), a.label_train)
    else:
        assert a.classes == 2 and set(np.unique(a.t_train)) <= {0.0, 1.0}


def test_the_labels_follow_the_shapes_of_the_sets() -> None:
    xor = make_data(Settings(dataset="xor", noise=0.0, test=0.0, points=200))
    np.testing.assert_array_equal(xor.label_train, (xor.X_train.prod(axis=1) > 0).astype(int))
    circle = make_data(Settings(dataset="circle", noise=0.0, test=0.0, points=200))
    radius = np.hypot(*circle.X_train.T)
    np.testing.assert_array_equal(circle.label_train, (radius <= 0.5).astype(int))
    sine = make_data(Settings(dataset="sine", noise=0.0, test=0.0, points=50))
    np.testing.assert_allclose(sine.t_train[:, 0], np.sin(sine.X_train[:, 0]), rtol=0, atol=0)


def test_the_features_are_the_formulas() -> None:
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    columns = features(X, tuple(FEATURES))
    expected = [[0.5, -2.0, 0.25, 4.0, -1.0, math.sin(0.5), math.sin(-2.0)]]
    expected.append([3.0, 0.25, 9.0, 0.0625, 0.75, math.sin(3.0), math.sin(0.25)])
    np.testing.assert_allclose(columns, expected, rtol=1e-15)


def test_the_activations_on_offer_are_the_op_tables() -> None:
    for name in ops.ACTIVATIONS:
        Session(settings=Settings(activation=name, points=20))
    with pytest.raises(SettingError, match="activation"):
        Session(settings=Settings(activation="softmax", points=20))


def test_several_classes_train_with_softmax_and_cross_entropy() -> None:
    s = Session(settings=Settings(dataset="spirals", classes=3, points=90, lr=0.3))
    assert s.model.activations[-1] == "softmax" and s.model.sizes[-1] == 3
    first = s.state()["loss"]["train"]
    # the error is −mean Σ t log O, computed here from the network's outputs by hand
    out = rules.forward(s.model.get_weights(), s.model.activations, s.inputs_train)[-1].out
    assert first == pytest.approx(-np.mean(np.sum(s.data.t_train * np.log(out), axis=1)))
    s.step(200)
    assert s.state()["loss"]["train"] < first
    with pytest.raises(SettingError, match="softmax"):
        s.apply({"output": "sigmoid"})


def test_a_csv_of_points_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "p.csv"
    good.write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.5,0.5,2\n", encoding="utf-8")
    X, label = read_points(good)
    np.testing.assert_array_equal(X[1], [0.0, 1.0])
    np.testing.assert_array_equal(label, [0, 1, 1, 0, 2])
    s = Session((X, label))
    assert s.settings.dataset == "csv" and s.data.classes == 3
    reg = tmp_path / "r.csv"
    reg.write_text("0,0,0.5\n0,1,1.5\n1,0,1\n1,1,0\n", encoding="utf-8")
    assert read_points(reg)[1].dtype.kind == "f"
    for text, says in [
        ("0,0\n", "3 columns"),
        ("0,0,0\n1,1,nan\n", "finite"),
        ("0,0,0\n0,0,1\n", "at least 4"),
        ("0,0,-1\n0,1,0\n1,0,0\n1,1,0\n", "class labels"),
        ("0,0,0\n1e300,0,1\n0,1,1\n1,1,1\n", "1e6"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=says):
            read_points(bad)
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="cannot be read"):
        read_points(tmp_path / "binary.csv")


# --- training ---------------------------------------------------------------------------------


def test_lr_momentum_l2_change_live_and_a_shape_change_starts_again() -> None:
    s = Session(settings=Settings(points=40))
    s.step(7)
    assert s.apply({"lr": 0.5, "momentum": 0.9, "l2": 0.01, "batch": 3}) is False
    assert s.steps == 7 and s.optimizer.lr == 0.5 and s.optimizer.momentum == 0.9
    assert s.optimizer.weight_decay == 0.01
    assert s.apply({"hidden": [5]}) is True
    assert s.steps == 0 and s.model.sizes == [2, 5, 1]
    assert s.apply({"features": ["x1", "x1^2", "sin x2"]}) is True and s.model.sizes[0] == 3


def test_a_step_is_sgd_with_momentum_and_l2_on_the_batch_by_hand() -> None:
    s = Session(settings=Settings(points=40, batch=4, lr=0.1, momentum=0.5, l2=0.01))
    w0 = [(W.copy(), b.copy()) for W, b in s.model.get_weights()]
    rows = s.batch_rows()
    assert rows == [0, 1, 2, 3]
    s.step()
    # the gradient of mean((O − t)²) is (2/N) × the notes' gradients of ½ Σ (O − t)²
    notes = rules.backward(w0, s.model.activations, s.inputs_train[rows], s.data.t_train[rows])
    for (W, b), (W0, b0), layer in zip(s.model.get_weights(), w0, notes):
        np.testing.assert_allclose(W, W0 - 0.1 * (2 / 4 * layer.dW + 0.01 * W0), rtol=1e-12)
        np.testing.assert_allclose(b, b0 - 0.1 * (2 / 4 * layer.db + 0.01 * b0), rtol=1e-12)
    assert s.batch_rows() == [4, 5, 6, 7]


def test_the_engines_give_the_same_numbers_with_the_same_seed() -> None:
    runs = {}
    for engine in ("tensor", "value"):
        s = Session(settings=Settings(points=30, hidden=(3,), engine=engine, batch=5, seed=3))
        s.step(12)
        runs[engine] = s
    t, v = runs["tensor"], runs["value"]
    for (Wt, bt), (Wv, bv) in zip(t.model.get_weights(), v.model.get_weights()):
        np.testing.assert_allclose(Wt, Wv, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(bt, bv, rtol=1e-12, atol=1e-15)
    assert t.losses()[0] == pytest.approx(v.losses()[0], rel=1e-12)


def test_the_same_settings_give_the_same_loss_bit_for_bit() -> None:
    s = Settings(dataset="circle", hidden=(5, 3), lr=0.1, momentum=0.8, l2=0.001, seed=7)
    a, b = Session(settings=s), Session(settings=s)
    a.step(60)
    a.step(40)
    for _ in range(100):
        b.step()
    assert a.state()["loss"] == b.state()["loss"]


def test_copy_as_python_reproduces_the_run(tmp_path: Path) -> None:
    s = Session(settings=Settings(dataset="xor", hidden=(3, 2), lr=0.2, momentum=0.5, l2=0.01))
    s.step(25)
    script = tmp_path / "run.py"
    script.write_text(s.python(), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == s.losses()[0]  # the very same float


def test_the_weights_save_as_module_save_writes_them(tmp_path: Path) -> None:
    s = Session(settings=Settings(points=30))
    s.step(5)
    path = tmp_path / "w.npz"
    path.write_bytes(s.weights_npz())
    twin = nn.MLP(s.model.sizes, s.settings.activation, s.output, seed=99).load(path)
    for (W, b), (W2, b2) in zip(s.model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


# --- looking inside ---------------------------------------------------------------------------


def test_the_three_way_table_agrees_in_float64() -> None:
    s = Session(settings=Settings(hidden=(6, 4), activation="sigmoid", points=60))
    s.step(10)
    table = s.compare()
    assert table["ok"] and table["rulesName"] == "δ rules"
    assert table["max"]["autograd_rules"] <= 1e-9
    assert table["max"]["autograd_fd"] <= 1e-6
    assert table["rows"][0]["name"] == "layers.0.weight"


def test_a_wrong_rules_file_is_named_at_its_first_disagreement(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(WRONG_RULES, encoding="utf-8")
    s = Session(learner_rules=load_rules(path), settings=Settings(hidden=(3,), points=40))
    table = s.compare()
    assert not table["ok"] and table["rulesName"] == "your rules"
    # the slip is in the hidden layer's δ: the output layer's numbers are right
    assert table["finding"]["where"].startswith("layer 1 (hidden)")
    assert "δ" in table["finding"]["where"] and table["finding"]["hint"]
    assert table["max"]["autograd_rules"] > 1e-6


def test_a_rules_file_is_checked_when_loaded(tmp_path: Path) -> None:
    cases = {
        "syntax.py": ("def backward(:\n", "line 1"),
        "raises.py": ("raise RuntimeError('no')\n", "RuntimeError: no"),
        "none.py": ("x = 1\n", "define backward"),
    }
    for name, (text, says) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=says):
            load_rules(tmp_path / name)


def test_work_too_big_for_one_request_is_refused_with_the_estimate() -> None:
    s = Session(settings=Settings(points=40, hidden=(200, 200)))
    with pytest.raises(SettingError, match="steps of this network take about"):
        s.step(1000)
    with pytest.raises(SettingError, match="at most 2,000"):
        s.stepper_page(0)
    with pytest.raises(SettingError, match="at most 2,000"):
        s.graph_svg(0)
    assert s.steps == 0


def test_a_failed_restart_keeps_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Session(settings=Settings(points=40))
    s.step(5)
    model, loss = s.model, s.losses()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("no room")

    monkeypatch.setattr("tinygrad_edu.explore.session.MLP", broken)
    with pytest.raises(MemoryError):
        s.apply({"hidden": [7]})
    assert s.model is model and s.steps == 5 and s.losses() == loss
    assert s.settings.hidden == (4, 4)


def test_a_rules_function_that_raises_is_a_clear_error_and_the_run_goes_on() -> None:
    def broken(weights, activations, x, t):
        raise ZeroDivisionError("oops")

    s = Session(learner_rules=broken, settings=Settings(hidden=(3,), points=40))
    with pytest.raises(SettingError, match="oops"):
        s.compare()
    s.step(2)
    assert s.steps == 2


def test_the_heatmaps_forward_pass_is_the_notes_forward_pass() -> None:
    s = Session(settings=Settings(hidden=(5, 4), activation="relu", dataset="spirals"))
    X = np.random.default_rng(1).normal(size=(300, 2))
    ours = outputs(s.model.get_weights(), s.model.activations, X)
    notes = rules.forward(s.model.get_weights(), s.model.activations, X)
    for a, b in zip(ours, notes):
        np.testing.assert_allclose(a, b.out, rtol=1e-13, atol=1e-15)


def test_hovering_a_unit_shows_the_notes_numbers() -> None:
    s = Session(settings=Settings(hidden=(3,), points=30))
    s.step(3)
    s.focus = 4
    x, t = s.point(4)
    units = s.unit_details()
    (W1, b1), (W2, b2) = s.model.get_weights()
    net1 = W1 @ x + b1  # net = Σ w x + b, written out
    out1 = np.tanh(net1)
    net2 = W2 @ out1 + b2
    out2 = 1 / (1 + np.exp(-net2))
    delta2 = (out2 - t) * out2 * (1 - out2)
    delta1 = (W2.T @ delta2) * (1 - out1**2)
    np.testing.assert_allclose(units[0]["net"], net1, rtol=1e-13)
    np.testing.assert_allclose(units[1]["out"], out2, rtol=1e-13)
    np.testing.assert_allclose(units[1]["delta"], delta2, rtol=1e-12)
    np.testing.assert_allclose(units[0]["delta"], delta1, rtol=1e-12)
    np.testing.assert_allclose(units[1]["x"], out1, rtol=1e-13)


def test_dead_relu_units_are_marked() -> None:
    s = Session(settings=Settings(hidden=(3,), activation="relu", points=30))
    W, b = s.model.get_weights()[0]
    b[1] = -1e3  # unit 2 never fires on these points
    s.model.set_weights([(W, b), s.model.get_weights()[1]])
    assert s.state()["saturated"][0] == [False, True, False]


def test_the_graph_the_weights_and_the_python_of_the_run_are_served(
    server: ExploreServer, tmp_path: Path
) -> None:
    request(server, "POST", "/api/step", {"n": 3})
    status, headers, body = request(server, "GET", "/weights.npz")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    (tmp_path / "w.npz").write_bytes(body)
    twin = nn.MLP(server.session.model.sizes, "tanh", "sigmoid").load(tmp_path / "w.npz")
    np.testing.assert_array_equal(
        twin.get_weights()[0][0], server.session.model.get_weights()[0][0]
    )
    status, _, body = request(server, "GET", "/run.py")
    assert status == 200 and b"range(3)" in body
    if viz.dot_available():
        status, headers, body = request(server, "GET", "/graph.svg?point=1")
        assert status == 200 and headers["Content-Type"] == "image/svg+xml"
        assert b"<svg" in body


def test_the_step_through_page_of_a_point_on_a_softmax_network() -> None:
    s = Session(settings=Settings(dataset="spirals", classes=3, points=60, hidden=(3,)))
    s.step(2)
    page = s.stepper_page(5)
    assert "<script>" in page and "softmax" in page
