"""A release gate's view of one track of a service, read from Prometheus's HTTP API.

Every service exposes (and the tests synthesise) two metric families:

    http_requests_total{namespace, service, track, code}               counter
    http_request_duration_seconds_bucket{namespace, service, track, le} histogram (seconds)

`Prometheus.track_health` turns them into requests per second, the 5xx share and a latency
percentile over a window; `judge` compares that with the service's SLO. A gate never passes
blind: no traffic, no latency data or an unreachable Prometheus is never "healthy".
"""

from __future__ import annotations

import http.client
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..spec.slo import Slo
from ..synthetic_checks import success_ratio

REQUESTS = "http_requests_total"
DURATION_BUCKETS = "http_request_duration_seconds_bucket"
# Prometheus durations: 30s, 5m, 1h30m ... (checked here so a typo is an error, not a bad query).
WINDOW = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
DEFAULT_MIN_REQUESTS_PER_SECOND = 1.0


class PrometheusUnavailable(RuntimeError):  # noqa: N818 (the name is a shared contract)
    """Prometheus could not answer: connection refused, timeout, or an error answer."""


@dataclass(frozen=True)
class TrackHealth:
    """What one track (stable|canary) of a service did over a window."""

    requests_per_second: float
    """All requests per second, any status code."""
    error_rate: float | None
    """Share of requests answered 5xx (0.048 = 4.8%); None when there was no traffic."""
    latency_ms: float | None
    """The asked percentile of request duration in milliseconds (inf when it falls above the
    largest histogram bucket); None when there was no traffic or no histogram."""
    track: str = ""
    """Which track this is, for breach messages; empty when built by hand."""


@dataclass(frozen=True)
class Verdict:
    """A gate's decision: healthy, or the breaches (human lines with the numbers)."""

    healthy: bool
    breaches: list[str]


def _label(value: str) -> str:
    """A PromQL string literal (double quoted, backslash and quote escaped)."""
    return json.dumps(value)


def selector(namespace: str, service: str, track: str | None) -> str:
    """Labels of one track, or of every pod of the service when `track` is None (rolling)."""
    labels = f"namespace={_label(namespace)},service={_label(service)}"
    return labels if track is None else f"{labels},track={_label(track)}"


def queries(namespace: str, service: str, track: str | None, window: str,
            percentile: float) -> dict[str, str]:
    """The three PromQL queries behind `track_health` (plain strings, for tests and logs)."""
    if not WINDOW.match(window):
        raise ValueError(f"window {window!r} is not a Prometheus duration; use e.g. 30s, 1m, 5m")
    if not 0 < percentile < 100:
        raise ValueError(f"percentile ({percentile}) must be between 0 and 100, e.g. 95 for p95")
    labels = selector(namespace, service, track)
    return {
        "total": f"sum(rate({REQUESTS}{{{labels}}}[{window}]))",
        "errors": f'sum(rate({REQUESTS}{{{labels},code=~"5.."}}[{window}]))',
        "latency": (f"histogram_quantile({percentile / 100:g}, sum by (le) "
                    f"(rate({DURATION_BUCKETS}{{{labels}}}[{window}]))) * 1000"),
    }


class Prometheus:
    """A client for Prometheus's instant-query API (`/api/v1/query`)."""

    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The result vector of an instant query; PrometheusUnavailable when there is none."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        try:
            with urllib.request.urlopen(address, timeout=self.timeout_seconds) as answer:
                body = json.loads(answer.read().decode())
        except urllib.error.HTTPError as err:
            # Prometheus explains a refused query in the JSON body (bad_data, timeout, ...).
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} answered HTTP {err.code}: {_error_text(err)}"
            ) from err
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            # refused, unreachable, timed out, or not speaking HTTP
            reason = getattr(err, "reason", err)
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} is unreachable: {reason}") from err
        except ValueError as err:  # not JSON: something else answers on that port
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} sent an answer that is not JSON: {err}") from err
        if not isinstance(body, dict) or body.get("status") != "success":
            detail = body.get("error", body) if isinstance(body, dict) else body
            raise PrometheusUnavailable(f"Prometheus at {self.url} refused the query: {detail}")
        data = body.get("data") or {}
        if data.get("resultType") != "vector":
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} answered a {data.get('resultType')!r}, not a vector")
        return list(data.get("result") or [])

    def scalar(self, promql: str) -> float | None:
        """The single value of an aggregated query; None when no series matched."""
        result = self.query(promql)
        if not result:
            return None
        return float(result[0]["value"][1])  # "NaN", "+Inf" parse as floats

    def track_health(self, namespace: str, service: str, track: str | None, window: str,
                     percentile: float) -> TrackHealth:
        promql = queries(namespace, service, track, window, percentile)
        name = track if track is not None else service
        total = self.scalar(promql["total"]) or 0.0
        if math.isnan(total) or total <= 0:
            return TrackHealth(requests_per_second=0.0, error_rate=None, latency_ms=None,
                               track=name)
        errors = self.scalar(promql["errors"]) or 0.0  # no 5xx series at all: no errors
        latency = self.scalar(promql["latency"])
        return TrackHealth(
            requests_per_second=total,
            error_rate=0.0 if math.isnan(errors) else errors / total,
            latency_ms=None if latency is None or math.isnan(latency) else latency,
            track=name,
        )


    def probe_success(self, namespace: str, service: str, window: str) -> float | None:
        """The share of the service's synthetic probes that succeeded over the window
        (`probe_success`, 1 or 0 per probe); None when no probe reported in it."""
        value = self.scalar(probe_query(namespace, service, window))
        return None if value is None or math.isnan(value) else value


def probe_query(namespace: str, service: str, window: str) -> str:
    """The PromQL behind `Prometheus.probe_success` (the synthetic check's alert reads it too)."""
    if not WINDOW.match(window):
        raise ValueError(f"window {window!r} is not a Prometheus duration; use e.g. 30s, 1m, 5m")
    return success_ratio(_unquoted(namespace), _unquoted(service), window)


def _unquoted(value: str) -> str:
    # Names are DNS labels; refuse anything that could break out of the PromQL string.
    if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", value):
        raise ValueError(f"{value!r} is not a Kubernetes name")
    return value


def _error_text(err: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(err.read().decode())
        return str(body.get("error") or body)
    except (ValueError, OSError, AttributeError):
        return str(err.reason)


def percent(fraction: float) -> str:
    """4.80%, 0.10%, 0.005%: two decimals, more only when two would round a budget to zero."""
    value = fraction * 100
    if value == 0 or abs(value) >= 0.01:
        return f"{value:.2f}%"
    return f"{value:.2g}%"


def judge(health: TrackHealth, slo: Slo,
          min_requests_per_second: float = DEFAULT_MIN_REQUESTS_PER_SECOND) -> Verdict:
    """Healthy only with enough traffic, errors within budget and latency under threshold."""
    name = health.track or "track"
    breaches: list[str] = []
    if health.requests_per_second < min_requests_per_second:
        breaches.append(
            f"{name} had {health.requests_per_second:.2f} requests/s, below the "
            f"{min_requests_per_second:.2f} requests/s needed to judge it: no verdict "
            "without traffic")
    if health.error_rate is not None and health.error_rate > slo.error_budget:
        breaches.append(
            f"{name} error rate {percent(health.error_rate)} > {percent(slo.error_budget)} "
            f"allowed by availability {slo.availability:g}%")
    threshold = slo.latency.threshold_ms
    quantile = f"p{slo.latency.percent:g}"
    if health.latency_ms is None:
        if health.requests_per_second > 0:
            breaches.append(f"{name} has no {quantile} latency ({DURATION_BUCKETS} missing): "
                            "no verdict without latency data")
    elif math.isinf(health.latency_ms):
        breaches.append(f"{name} {quantile} latency is above the largest histogram bucket "
                        f"> {threshold} ms threshold")
    elif health.latency_ms > threshold:
        breaches.append(f"{name} {quantile} latency {health.latency_ms:.0f} ms > "
                        f"{threshold} ms threshold")
    return Verdict(healthy=not breaches, breaches=breaches)


# -- the synthetic check of a public service ---------------------------------------------------


@dataclass(frozen=True)
class ProbeHealth:
    """What the synthetic check of a public service saw over the gate's window."""

    success_ratio: float | None
    """Share of probes that succeeded; None when no probe reported (never a pass)."""
    min_success_ratio: float
    """The service's exposure.synthetic.minSuccessRatio."""
    target: str
    """The URL probed, for messages."""


_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
                 "y": 31536000}


def seconds(duration: str) -> float:
    """A Prometheus duration (30s, 1m30s, 2h) in seconds."""
    return sum(int(n) * _UNIT_SECONDS[unit]
               for n, unit in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", duration))


def probe_window(window: str, interval: str) -> str:
    """The range a gate reads the synthetic check over: the gate's window, but at least two
    probe intervals, so that a short bake still sees probes (and a missing probe holds)."""
    return f"{max(round(seconds(window)), 2 * round(seconds(interval)))}s"


def probe_breach(probe: ProbeHealth) -> str | None:
    """The synthetic check's breach, if its success ratio is below the service's floor."""
    if probe.success_ratio is None or probe.success_ratio >= probe.min_success_ratio:
        return None
    return (f"synthetic check of {probe.target}: {percent(probe.success_ratio)} of probes "
            f"succeeded < {percent(probe.min_success_ratio)} required")
