"""Fixtures shared by every test folder: a synthetic metrics exporter, a real Prometheus, and
an empty `services/` catalog directory to write service files into (catalog_dir.py).

`prometheus` starts /usr/bin/prometheus (Debian's package) on a free loopback port scraping
`metrics_exporter` every second; a test sets traffic with
`metrics_exporter.set_profile(namespace, service, track, TrafficProfile(...))`. Without the
binary the test fails (never skips) with how to install it. Defined (and type-checked) in
prometheus_server.py and catalog_dir.py: mypy skips this file, which shares the module name
`conftest` with tests/integration/conftest.py.

A run started with Ctrl-C ignored (a background job, as a CI runner may start it) would pass
the ignore to every `pulumi` process the tests start, and each would wait 5 s to stop its
plugins: the session handles SIGINT first, as the `slipway` command does (tooling/interrupts.py).
"""

import pytest
from catalog_dir import services

from prometheus_server import metrics_exporter, prometheus
from slipway.tooling.interrupts import let_children_take_interrupts


def pytest_configure(config: pytest.Config) -> None:
    let_children_take_interrupts()

__all__ = ["metrics_exporter", "prometheus", "services"]
