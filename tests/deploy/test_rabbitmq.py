"""The development cluster's backing services are set up the way the code needs them.

RabbitMQ imports notification's mail topology at boot. It must be exactly what the code
declares — same names, same queue arguments — or the broker refuses the context's own
declaration (PRECONDITION_FAILED). So the code's declaration is recorded here, through
``RabbitBus`` itself on a recording channel, and compared with the definitions file: a
renamed queue, a changed delivery limit or dead-letter exchange fails this test.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from stampede.compose import MODULES
from stampede.kernel.consumers import queues_for
from stampede.kernel.module import Runtime
from stampede.kernel.rabbitmq import RabbitBus
from tests.deploy.manifests import config_data, container, named, pod_spec, render

MOUNT = "/etc/rabbitmq/definitions"


class _Exchange:
    def __init__(self, name: str) -> None:
        self.name = name


class _Queue:
    def __init__(self, topology: Topology, name: str) -> None:
        self.topology, self.name = topology, name

    async def bind(self, exchange: _Exchange, routing_key: str) -> None:
        self.topology.bindings.add((exchange.name, self.name, routing_key))


class Topology:
    """A stand-in channel that records what is declared on it."""

    def __init__(self) -> None:
        self.exchanges: dict[str, str] = {}
        self.queues: dict[str, dict[str, Any]] = {}
        self.bindings: set[tuple[str, str, str]] = set()

    async def declare_exchange(self, name: str, type: Any, durable: bool) -> _Exchange:
        assert durable
        self.exchanges[name] = str(type.value)
        return _Exchange(name)

    async def declare_queue(self, name: str, durable: bool, arguments: dict[str, Any]) -> _Queue:
        assert durable
        self.queues[name] = arguments
        return _Queue(self, name)


def declared_by_code() -> Topology:
    """What notification's mail workers (its subscriptions that are not exactly-once work
    items) declare on the broker, recorded through the real ``RabbitBus`` code path."""
    notification = next(m for m in MODULES if m.name == "notification")
    workers = {s.name for s in notification.subscriptions if not s.exactly_once}
    queues = [
        q
        for q in queues_for(notification, cast(Runtime, None))
        if q.name.split(".", 1)[1] in workers
    ]
    topology, bus = Topology(), RabbitBus("amqp://localhost/")

    async def declare() -> None:
        for queue in queues:
            await bus._declare(cast(Any, topology), queue)

    asyncio.run(declare())
    return topology


def definitions() -> dict[str, Any]:
    data = config_data(render("infra"), "rabbitmq-definitions")
    loaded: dict[str, Any] = json.loads(data["rabbitmq-definitions.json"])
    return loaded


def test_the_mail_queues_are_the_ones_the_code_declares() -> None:
    code, file = declared_by_code(), definitions()
    assert len(code.queues) == 4  # two work queues and their dead-letter queues
    assert {q["name"]: q["arguments"] for q in file["queues"]} == code.queues
    assert all(q["durable"] and not q["auto_delete"] for q in file["queues"])


def test_the_exchanges_and_bindings_are_the_ones_the_code_declares() -> None:
    code, file = declared_by_code(), definitions()
    assert {e["name"]: e["type"] for e in file["exchanges"]} == code.exchanges
    bindings = {(b["source"], b["destination"], b["routing_key"]) for b in file["bindings"]}
    assert bindings == code.bindings
    everything = [*file["exchanges"], *file["queues"], *file["bindings"]]
    assert {item["vhost"] for item in everything} == {"/"}
    assert file["vhosts"] == [{"name": "/"}]


def test_rabbitmq_loads_the_definitions_and_the_users_at_boot() -> None:
    """The definitions ConfigMap and the users Secret are projected into one folder, which
    load_definitions imports (a Secret, so that no password is committed)."""
    cluster = named(render("infra"), "RabbitmqCluster", "rabbitmq")["spec"]
    assert f"load_definitions = {MOUNT}" in cluster["rabbitmq"]["additionalConfig"]
    spec = cluster["override"]["statefulSet"]["spec"]["template"]["spec"]
    (mount,) = spec["containers"][0]["volumeMounts"]
    (volume,) = spec["volumes"]
    assert mount == {"name": volume["name"], "mountPath": MOUNT, "readOnly": True}
    sources = volume["projected"]["sources"]
    assert sources[0]["configMap"]["name"] == "rabbitmq-definitions"
    assert sources[0]["configMap"]["items"][0]["key"] == "rabbitmq-definitions.json"
    assert sources[1]["secret"] == {
        "name": "rabbitmq-users",
        "items": [{"key": "users.json", "path": "20-users.json"}],
    }


def test_redis_never_evicts() -> None:
    """Sales refuses to start on a Redis that may evict a key (a lost hold)."""
    resources = render("infra")
    args = container(named(resources, "Deployment", "redis"), "redis")["args"]
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    store = config_data(render("base"), "stampede-config")["STORE_URL"]
    assert store == "redis://redis.stampede.svc.cluster.local:6379/0"
    assert named(resources, "Service", "redis")["spec"]["ports"][0]["port"] == 6379


def test_postgres_keeps_its_data_and_creates_each_context_database() -> None:
    resources = render("infra")
    postgres = named(resources, "StatefulSet", "postgres")
    service = named(resources, "Service", "postgres")
    assert service["spec"]["clusterIP"] == "None"  # headless: postgres.stampede.svc
    assert postgres["spec"]["serviceName"] == "postgres"
    (claim,) = postgres["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container(postgres, "postgres")["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/var/lib/postgresql/data"
    volumes = {v["name"]: v for v in pod_spec(postgres)["volumes"]}
    script = config_data(resources, "postgres-init")["postgres-init.sh"]
    assert volumes["init"]["configMap"]["name"].startswith("postgres-init")
    assert mounts["init"] == "/docker-entrypoint-initdb.d"
    assert volumes["passwords"]["secret"]["secretName"] == "stampede-db"
    assert f"for file in {mounts['passwords']}/*" in script
    assert 'db="stampede_$context"' in script  # the database each <CONTEXT>_DATABASE_URL names


def test_the_dev_overlay_pays_at_the_fake_provider() -> None:
    resources = render("overlays/dev")
    config = config_data(resources, "stampede-config")
    (port,) = named(resources, "Service", "fakepg")["spec"]["ports"]
    assert (
        config["PAYMENT_PROVIDER_URL"] == f"http://fakepg.stampede.svc.cluster.local:{port['port']}"
    )
    args = container(named(resources, "Deployment", "fakepg"), "fakepg")["args"]
    assert args[:3] == ["fakepg", "--host", "0.0.0.0"]
    assert args[args.index("--port") + 1] == str(port["port"])
