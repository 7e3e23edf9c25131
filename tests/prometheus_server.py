"""A real Prometheus on loopback, scraping a synthetic exporter whose traffic the test controls.

    exporter = MetricsExporter()            # http.server on a free 127.0.0.1 port
    exporter.set_profile("shop", "orders", "canary",
                         TrafficProfile(requests_per_second=20, error_ratio=0.05, latency_ms=120))
    with PrometheusServer(exporter.target) as prometheus:   # /usr/bin/prometheus, 1s scrapes
        prometheus.wait_for_scrapes()
        Prometheus(prometheus.url).track_health("shop", "orders", "canary", "10s", 95)

The exporter serves the metric families every service exposes (http_requests_total and
http_request_duration_seconds_bucket) for each (namespace, service, track) it has a profile for.
Counters grow with wall time at the profile's rate, so Prometheus's rate() sees exactly the
requests per second asked for; the duration histogram is shaped so that histogram_quantile at
`percent` lands on latency_ms (see `TrafficProfile.cumulative_shares`). A profile can change at
any time; counters never go backwards.

The fixtures (`metrics_exporter`, `prometheus`) are registered in tests/conftest.py.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

PROMETHEUS_BINARY = "/usr/bin/prometheus"
INSTALL_HINT = ("the real Prometheus is missing: install Debian's package with "
                "`apt-get update && apt-get install -y --no-install-recommends prometheus` "
                "(.ci/run does this when it is missing)")
# Bucket bounds in seconds, fine enough that interpolation stays within a few ms of the truth.
BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75,
           0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0)


def breached_error_rate(text: str, track: str) -> float:
    """The error rate (in %) that a breach message in `text` gives for `track` (canary, green)
    against the default 99.9% availability SLO. A profile's 5% errors can read a hair off once
    Prometheus takes a rate over a gate's window (5.01% was seen), so tests compare the
    number, not the exact text."""
    found = re.search(rf"{track} error rate (\d+\.\d\d)% > 0\.10% allowed by availability "
                      r"99\.9%", text)
    assert found is not None, text
    return float(found.group(1))


@dataclass(frozen=True)
class TrafficProfile:
    """What one track serves: its rate, its 5xx share, and where its latency percentile lands."""

    requests_per_second: float
    """Requests per second; 0 makes the counters stand still (no traffic)."""
    error_ratio: float = 0.0
    """Share of requests answered 500 (0.05 = 5%); the rest are 200."""
    latency_ms: float = 50.0
    """The latency at `percent` in milliseconds (p95 = 50 ms by default)."""
    percent: float = 95.0
    """Which percentile `latency_ms` is, e.g. 95 for p95."""

    def __post_init__(self) -> None:
        if self.requests_per_second < 0 or not 0 <= self.error_ratio <= 1:
            raise ValueError(f"bad traffic profile {self}")
        if self.latency_ms < BUCKETS[0] * 1000 or not 0 < self.percent < 100:
            raise ValueError(f"bad traffic profile {self}")

    def cumulative_shares(self) -> list[float]:
        """Share of requests at or under each bucket bound (the +Inf bucket holds them all).

        histogram_quantile interpolates linearly inside the bucket (a, b] that holds the rank,
        so the shares at a and b (c and d) are chosen so that c + (d - c)(T - a)/(b - a) is
        exactly `percent` at T = latency_ms; below a the share grows linearly to c, above b
        the last requests spread up to twice b.
        """
        target = self.latency_ms / 1000
        share = self.percent / 100
        upper = next((i for i, bound in enumerate(BUCKETS) if bound >= target), None)
        if upper is None:  # beyond the largest bound: Prometheus answers that bound
            return [share * bound / target for bound in BUCKETS]
        a = BUCKETS[upper - 1] if upper else 0.0
        b = BUCKETS[upper]
        t = (target - a) / (b - a)
        d = (1 + share) / 2
        if t >= share / d:  # close to b: nothing at or under a, d = share / t <= 1
            c, d = 0.0, share / t
        else:
            c = (share - d * t) / (1 - t)
        shares = []
        for i, bound in enumerate(BUCKETS):
            if i < upper:
                shares.append(c * bound / a)
            elif i == upper:
                shares.append(d)
            else:
                shares.append(d + (1 - d) * min(1.0, (bound - b) / b))
        return shares


@dataclass
class TrackCounters:
    """Cumulative counters of one (namespace, service, track), grown lazily with wall time."""

    profile: TrafficProfile
    since: float
    codes: dict[str, float] = field(default_factory=lambda: {"200": 0.0, "500": 0.0})
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))
    count: float = 0.0
    total_seconds: float = 0.0

    def advance(self, now: float) -> None:
        requests = self.profile.requests_per_second * max(0.0, now - self.since)
        self.since = now
        if requests == 0:
            return
        errors = requests * self.profile.error_ratio
        self.codes["500"] += errors
        self.codes["200"] += requests - errors
        lower = 0.0
        previous = 0.0
        for i, (bound, share) in enumerate(zip(BUCKETS, self.profile.cumulative_shares(),
                                               strict=True)):
            self.buckets[i] += requests * share
            # The sum is only for completeness: requests counted at their bucket's midpoint.
            self.total_seconds += requests * (share - previous) * (lower + bound) / 2
            lower, previous = bound, share
        self.total_seconds += requests * (1 - previous) * lower
        self.count += requests


class MetricsExporter:
    """A /metrics endpoint on a free loopback port serving synthetic per-track traffic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tracks: dict[tuple[str, str, str], TrackCounters] = {}
        self._probes: dict[tuple[str, str], bool] = {}
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                body = exporter.exposition().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per scrape would drown the test output

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def target(self) -> str:
        """host:port, as a Prometheus scrape target."""
        return f"127.0.0.1:{self.port}"

    def set_profile(self, namespace: str, service: str, track: str,
                    profile: TrafficProfile) -> None:
        """Serve this track with `profile` from now on (earlier traffic stays counted)."""
        now = time.monotonic()
        with self._lock:
            counters = self._tracks.get((namespace, service, track))
            if counters is None:
                self._tracks[(namespace, service, track)] = TrackCounters(profile, now)
            else:
                counters.advance(now)
                counters.profile = profile

    def set_probe(self, namespace: str, service: str, success: bool | None) -> None:
        """What the synthetic check of a public service reports from now on: probe_success 1
        or 0, as the blackbox exporter's probes would; None: no probe series at all."""
        with self._lock:
            if success is None:
                self._probes.pop((namespace, service), None)
            else:
                self._probes[(namespace, service)] = success

    def exposition(self) -> str:
        """The Prometheus text format of every track, counters advanced to now."""
        now = time.monotonic()
        requests = ["# TYPE http_requests_total counter"]
        durations = ["# TYPE http_request_duration_seconds histogram"]
        with self._lock:
            for (namespace, service, track), counters in sorted(self._tracks.items()):
                counters.advance(now)
                labels = (f'namespace="{namespace}",service="{service}",track="{track}"')
                for code, value in sorted(counters.codes.items()):
                    requests.append(f'http_requests_total{{{labels},code="{code}"}} {value!r}')
                for bound, value in zip(BUCKETS, counters.buckets, strict=True):
                    durations.append(f'http_request_duration_seconds_bucket{{{labels},'
                                     f'le="{bound}"}} {value!r}')
                durations.append(f'http_request_duration_seconds_bucket{{{labels},le="+Inf"}} '
                                 f"{counters.count!r}")
                durations.append(f"http_request_duration_seconds_count{{{labels}}} "
                                 f"{counters.count!r}")
                durations.append(f"http_request_duration_seconds_sum{{{labels}}} "
                                 f"{counters.total_seconds!r}")
            probes = ["# TYPE probe_success gauge"] + [
                f'probe_success{{namespace="{namespace}",service="{service}"}} {int(ok)}'
                for (namespace, service), ok in sorted(self._probes.items())]
        return "\n".join([*requests, *durations, *probes]) + "\n"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_prometheus() -> str:
    """The Prometheus binary, or a test failure (never a skip) saying how to install it."""
    binary = PROMETHEUS_BINARY if Path(PROMETHEUS_BINARY).exists() else shutil.which("prometheus")
    if binary is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return binary


class PrometheusServer:
    """The real `prometheus` binary on a free loopback port, scraping `targets` every second."""

    def __init__(self, *targets: str, startup_timeout: float = 120.0) -> None:
        # Generous deadlines: CI shares two cores with pytest-xdist workers and the engine.
        self.binary = require_prometheus()
        self.targets = list(targets)
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = Path(tempfile.mkdtemp(prefix="slipway-prometheus-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self._dir / "prometheus.log"

    def config(self) -> str:
        return json.dumps({  # JSON is YAML: no quoting surprises in the generated file
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "scrape_configs": [{
                "job_name": "slipway-test",
                "honor_labels": True,  # keep the exporter's namespace/service/track labels
                "static_configs": [{"targets": self.targets}],
            }],
        }, indent=2)

    def start(self) -> PrometheusServer:
        config = self._dir / "prometheus.yml"
        config.write_text(self.config())
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [self.binary, f"--config.file={config}",
                 f"--storage.tsdb.path={self._dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}",
                 "--storage.tsdb.retention.time=1h", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self._process.returncode}):\n"
                                   f"{self.log_path.read_text()}")
            if self._ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus not ready within {self.startup_timeout}s:\n"
                           f"{self.log_path.read_text()}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:
                return int(answer.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def query(self, promql: str) -> list[dict[str, Any]]:
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        with urllib.request.urlopen(address, timeout=5) as answer:
            return list(json.loads(answer.read())["data"]["result"])

    def wait_for_scrapes(self, scrapes: int = 5, series: str = 'up{job="slipway-test"}',
                         timeout: float = 120.0) -> None:
        """Wait until every series of the selector `series` has `scrapes` samples in the last
        minute (rate() needs two in its window), e.g. `http_requests_total{track="canary"}`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(f"min(count_over_time({series}[1m]))")
            if result and float(result[0]["value"][1]) >= scrapes:
                return
            time.sleep(0.25)
        raise TimeoutError(f"Prometheus at {self.url} scraped its targets fewer than {scrapes} "
                           f"times in {timeout}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """SIGTERM (Prometheus flushes and exits), SIGKILL after 10 s; storage removed."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


# Fixtures (registered for every test folder by tests/conftest.py).
@pytest.fixture
def metrics_exporter() -> Iterator[MetricsExporter]:
    """A synthetic exporter; set traffic with `set_profile(namespace, service, track, ...)`."""
    exporter = MetricsExporter()
    yield exporter
    exporter.close()


@pytest.fixture
def prometheus(metrics_exporter: MetricsExporter) -> Iterator[PrometheusServer]:
    """A real Prometheus scraping `metrics_exporter` every second; fails when not installed."""
    with PrometheusServer(metrics_exporter.target) as server:
        yield server
