"""``tinygrad-edu explore``: train a network live in the browser, on the library's engines.

- :mod:`.playground`: the 2-D point sets, the input features and the checked settings;
- :mod:`.session`: the one training run (data, network, optimizer, history) and what the
  page shows of it: heatmaps, the units' numbers, the three-way table, the step-through
  page and the graph of one point, the weights and the run as Python;
- :mod:`.server`: the local web server (127.0.0.1, token, CSP) around one session;
- ``assets/``: the page, plain HTML, CSS and JavaScript, nothing fetched from elsewhere.
"""

from __future__ import annotations

from .playground import SettingError, Settings, make_data, read_points
from .server import ExploreServer, serve
from .session import Session

__all__ = [
    "ExploreServer",
    "Session",
    "SettingError",
    "Settings",
    "make_data",
    "read_points",
    "serve",
]
