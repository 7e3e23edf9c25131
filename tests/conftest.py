"""Fixtures shared by every test folder: a synthetic metrics exporter and a real Prometheus.

`prometheus` starts /usr/bin/prometheus (Debian's package) on a free loopback port scraping
`metrics_exporter` every second; a test sets traffic with
`metrics_exporter.set_profile(namespace, service, track, TrafficProfile(...))`. Without the
binary the test fails (never skips) with how to install it. Defined (and type-checked) in
prometheus_server.py: mypy skips this file, which shares the module name `conftest` with
tests/integration/conftest.py.
"""

import pytest

from prometheus_server import metrics_exporter, prometheus

__all__ = ["metrics_exporter", "prometheus"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `make test` runs with pytest-xdist `--dist loadgroup`: a file's tests stay on one worker
    # (its module fixtures are built once), and every cluster test shares one worker, because
    # they share one cluster and one deployed dev stack (two workers deploying the same
    # namespace from two backends would fight over it).
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            group = "cluster" if "tests/cluster/" in item.nodeid else item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(group))
