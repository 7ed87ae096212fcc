"""The files of ``deploy/observability`` hold against the app: every metric the dashboards and
alert rules query is one the app registers (a renamed metric fails here, not on a wall screen),
each business metric is on a dashboard, the four alerts exist, and Fluent Bit's parser reads
the log lines the app writes."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric

import stampede.compose  # noqa: F401 (every context registers its metrics on import)
from stampede.kernel.observe import configure_logging

FILES = Path(__file__).resolve().parents[2] / "deploy" / "observability"
DASHBOARDS = ("platform-overview.json", "flash-sale.json")
SHOWN = {
    "platform-overview.json": {
        "stampede_http_requests_total",
        "stampede_http_request_duration_seconds_bucket",
        "stampede_outbox_lag_seconds",
        "stampede_bus_dead_letters",
        "stampede_mails_total",
    },
    "flash-sale.json": {
        "stampede_sales_hold_attempts_total",
        "stampede_sales_sold_out_total",
        "stampede_sales_queue_length",
        "stampede_sales_admitted_total",
        "stampede_ordering_order_transitions_total",
    },
}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
Section = tuple[str, dict[str, str]]


def exposed(family: Metric) -> set[str]:
    """The sample names a metric family is scraped under."""
    return {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}


def registered() -> set[str]:
    return {name for family in REGISTRY.collect() for name in exposed(family)}


def metrics_in(expr: str) -> set[str]:
    return set(re.findall(r"\bstampede_[a-z0-9_]+", expr))


def dashboard(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((FILES / name).read_text())
    return found


def dashboard_queries(name: str) -> list[str]:
    return [target["expr"] for panel in dashboard(name)["panels"] for target in panel["targets"]]


def alert_rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load((FILES / "alerts.yaml").read_text())
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_dashboards_and_alerts_query_only_metrics_the_app_registers() -> None:
    queries = [q for name in DASHBOARDS for q in dashboard_queries(name)]
    queries += [rule["expr"] for rule in alert_rules()]
    known = registered()
    assert all(metrics_in(query) for query in queries)
    unknown = {name for query in queries for name in metrics_in(query)} - known
    assert unknown == set()


@pytest.mark.parametrize("name", DASHBOARDS)
def test_each_dashboard_is_a_grafana_model_showing_its_metrics(name: str) -> None:
    model = dashboard(name)
    assert model["uid"] and model["title"] and model["schemaVersion"] >= 30
    panels = model["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}" and panel["gridPos"]["w"] > 0
        assert all(target["refId"] and target["expr"] for target in panel["targets"])
    shown = {metric for query in dashboard_queries(name) for metric in metrics_in(query)}
    assert SHOWN[name] <= shown


def test_the_alert_rules_watch_errors_latency_outbox_lag_and_dead_letters() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    wanted = {
        "StampedeHighErrorRate": "> 0.01",
        "StampedeSlowRequests": "> 0.5",
        "StampedeOutboxLag": "> 30",
        "StampedeDeadLetters": "> 0",
    }
    for alert, threshold in wanted.items():
        assert threshold in " ".join(rules[alert]["expr"].split()), alert
    for rule in rules.values():
        assert rule["for"] and rule["labels"]["severity"] and rule["annotations"]["summary"]
    assert rules["StampedeHighErrorRate"]["for"] == "5m"


def sections(path: Path) -> list[Section]:
    """A Fluent Bit classic config: ``[NAME]`` sections of ``key value`` lines."""
    found: list[Section] = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            found.append((line.strip("[]"), {}))
        else:
            key, _, value = line.partition(" ")
            found[-1][1][key.lower()] = value.strip()
    return found


@pytest.fixture
def log_line() -> Iterator[dict[str, Any]]:
    """One line as the app writes it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("INFO", file=buffer, cache=False)
    structlog.get_logger().info("order.placed", order_id="o-1")
    yield json.loads(buffer.getvalue().splitlines()[-1])
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


def test_fluent_bit_tails_parses_the_app_lines_and_ships_them(log_line: dict[str, Any]) -> None:
    config = sections(FILES / "fluent-bit.conf")
    service = next(values for name, values in config if name == "SERVICE")
    parsers = {values["name"]: values for _, values in sections(FILES / service["parsers_file"])}
    [tail] = [values for name, values in config if name == "INPUT"]
    [parse] = [v for name, v in config if name == "FILTER" and v["name"] == "parser"]
    [ship] = [values for name, values in config if name == "OUTPUT"]
    assert tail["name"] == "tail" and "/var/log/containers/" in tail["path"]
    assert ship["name"] == "es" and ship["logstash_format"] == "On"
    parser = parsers[parse["parser"]]
    assert parse["key_name"] == "log" and parser["format"] == "json"
    stamp = log_line[parser["time_key"]]
    datetime.strptime(stamp, parser["time_format"].replace("%L", "%f"))
    assert log_line["event"] == "order.placed" and log_line["level"] == "info"
