"""The deployment files: Kubernetes and KEDA manifests, kustomizations and the Dockerfile.

Validated offline: built-in kinds against the Kubernetes schemas bundled with
``kubernetes-validate`` (strict: unknown fields fail), KEDA resources and kustomizations
against the minimal schemas in ``tests/data/schemas``. Each kustomization is built the way
kustomize would (resources, namespace, JSON patches) and its references are checked.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from referencing import Registry, Resource

from aleatoric.jobs import JobSettings, broker_kind, broker_transport_options

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMAS = ROOT / "tests" / "data" / "schemas"
KUBERNETES = "1.30"
BUILDS = [
    DEPLOY,
    DEPLOY / "variants" / "scaledjob",
    DEPLOY / "variants" / "azure-servicebus",
    DEPLOY / "variants" / "rabbitmq",
    DEPLOY / "variants" / "opendata",
]
BUILTIN = {"Namespace", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service", "CronJob"}
KEDA = {"ScaledObject", "ScaledJob", "TriggerAuthentication"}
#: Secrets an operator creates (docs/deploy.md says how); never committed.
SECRETS = {"aleatoric-secrets", "aleatoric-servicebus", "aleatoric-rabbitmq", "aleatoric-opendata"}

Doc = dict[str, Any]


def _schema(name: str) -> Doc:
    schema: Doc = json.loads((SCHEMAS / name).read_text())
    return schema


def _registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


def _validate_custom(doc: Doc, schema: str) -> None:
    validator = jsonschema.Draft202012Validator(_schema(schema), registry=_registry())
    validator.validate(doc)


def _json_patch(doc: Doc, ops: list[Doc]) -> None:
    for op in ops:
        assert op["op"] == "add", op
        *parents, last = op["path"].strip("/").split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), copy.deepcopy(op["value"]))
        else:
            node[last] = copy.deepcopy(op["value"])


def build(root: Path) -> list[Doc]:
    """Return the resources of the kustomization at ``root`` (like ``kustomize build``)."""
    kustomization = yaml.safe_load((root / "kustomization.yaml").read_text())
    _validate_custom(kustomization, "kustomization.json")
    docs: list[Doc] = []
    for entry in kustomization["resources"]:
        path = (root / entry).resolve()
        assert path.exists(), f"{root}: resource {entry} does not exist"
        if path.is_dir():
            assert (path / "kustomization.yaml").is_file(), f"{path} is no kustomization"
            docs += build(path)
        else:
            # kustomize loads files only from within the kustomization's own directory.
            assert path.is_relative_to(root.resolve()), f"{entry} is outside {root}"
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in kustomization.get("patches", []):
        ops = yaml.safe_load((root / patch["path"]).read_text())
        targets = [d for d in docs if d["kind"] == patch["target"]["kind"]]
        assert targets, f"patch {patch['path']} matches nothing"
        for doc in targets:
            _json_patch(doc, ops)
    namespace = kustomization.get("namespace")
    for doc in docs:
        if namespace and doc["kind"] != "Namespace":
            doc["metadata"]["namespace"] = namespace
        for labels in kustomization.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(labels["pairs"])
    return docs


def _containers(doc: Doc) -> list[Doc]:
    if doc["kind"] == "Deployment":
        return list(doc["spec"]["template"]["spec"]["containers"])
    if doc["kind"] == "ScaledJob":
        return list(doc["spec"]["jobTargetRef"]["template"]["spec"]["containers"])
    if doc["kind"] == "CronJob":
        return list(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"])
    return []


def _pod_spec(doc: Doc) -> Doc:
    if doc["kind"] == "ScaledJob":
        spec: Doc = doc["spec"]["jobTargetRef"]["template"]["spec"]
    elif doc["kind"] == "CronJob":
        spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    else:
        spec = doc["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="module", params=BUILDS, ids=lambda p: str(p.relative_to(DEPLOY)) or ".")
def docs(request: pytest.FixtureRequest) -> list[Doc]:
    built = build(request.param)
    assert built
    return built


def test_every_resource_matches_its_schema(docs: list[Doc]) -> None:
    for doc in docs:
        kind = doc["kind"]
        assert kind in BUILTIN | KEDA, f"unexpected kind {kind}"
        if kind in BUILTIN:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        else:
            _validate_custom(doc, f"keda-{kind.lower()}.json")
        if kind == "ScaledJob":
            job = {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "chunk"},
                "spec": doc["spec"]["jobTargetRef"],
            }
            kubernetes_validate.validate(job, KUBERNETES, strict=True)


def test_references_resolve(docs: list[Doc]) -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for doc in docs:
        for container in _containers(doc):
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in names
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    assert ref["name"] in SECRETS, ref
        if doc["kind"] in ("Deployment", "ScaledJob", "CronJob"):
            for volume in _pod_spec(doc).get("volumes", []):
                if "persistentVolumeClaim" in volume:
                    claim = volume["persistentVolumeClaim"]["claimName"]
                    assert ("PersistentVolumeClaim", claim) in names
        if doc["kind"] == "ScaledObject":
            assert doc["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in doc.get("spec", {}).get("triggers", []) if doc["kind"] in KEDA else []:
            if "authenticationRef" in trigger:
                assert ("TriggerAuthentication", trigger["authenticationRef"]["name"]) in names
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"]
            assert any(
                selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
                for d in deployments.values()
            ), doc["metadata"]["name"]
    assert {"aleatoric-api"} <= set(deployments)
    docs_text = (ROOT / "docs" / "deploy.md").read_text()
    used = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for doc in docs
        for c in _containers(doc)
        for env in c.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }
    assert all(secret in docs_text for secret in used)


def test_settings_and_time_limits_agree(docs: list[Doc]) -> None:
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    env: dict[str, str] = dict(config)
    for doc in docs:
        for container in _containers(doc):
            for item in container.get("env", []):
                if "value" in item:
                    env[item["name"]] = item["value"]
    fields = {
        k.removeprefix("ALEATORIC_").lower(): v
        for k, v in env.items()
        if k.startswith("ALEATORIC_")
    }
    settings = JobSettings.model_validate(fields)  # the service accepts these settings
    longest = settings.chunk_time_limit + settings.time_limit_grace
    assert settings.visibility_timeout > longest
    workers = [
        d
        for d in docs
        if d["kind"] in ("ScaledJob", "Deployment")
        and d["metadata"]["name"] not in ("aleatoric-api", "redis")
    ]
    assert workers
    for doc in workers:
        pod = _pod_spec(doc)
        assert pod["terminationGracePeriodSeconds"] >= longest, doc["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        if doc["kind"] == "ScaledJob":
            assert doc["spec"]["jobTargetRef"]["activeDeadlineSeconds"] > longest
            assert doc["spec"]["scalingStrategy"]["strategy"] == "accurate"
            assert "--one-shot" in _containers(doc)[0]["args"]
    for doc in docs:
        if doc["kind"] == "ScaledObject":
            assert doc["spec"]["cooldownPeriod"] >= longest
            down = doc["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
            assert down["scaleDown"]["stabilizationWindowSeconds"] >= 600
        for trigger in doc["spec"].get("triggers", []) if doc["kind"] in KEDA else []:
            if trigger["type"] == "redis":
                assert trigger["metadata"]["listName"] == settings.queue
            if trigger["type"] in ("azure-servicebus", "rabbitmq"):
                assert trigger["metadata"]["queueName"] == settings.queue


def test_the_azure_variant_uses_service_bus_and_no_redis() -> None:
    docs = build(DEPLOY / "variants" / "azure-servicebus")
    assert not any(d["metadata"]["name"] == "redis" for d in docs)
    for name in ("aleatoric-api", "aleatoric-worker"):
        deployment = next(d for d in docs if d["metadata"]["name"] == name)
        env = {e["name"]: e for e in _containers(deployment)[0]["env"]}
        assert env["ALEATORIC_BROKER_URL"]["valueFrom"]["secretKeyRef"]["name"] == (
            "aleatoric-servicebus"
        )
    triggers = [t for d in docs if d["kind"] == "ScaledObject" for t in d["spec"]["triggers"]]
    assert [t["type"] for t in triggers] == ["azure-servicebus"]


def test_the_rabbitmq_variant_uses_rabbitmq_and_no_redis() -> None:
    docs = build(DEPLOY / "variants" / "rabbitmq")
    assert not any(d["metadata"]["name"] == "redis" for d in docs)
    for name in ("aleatoric-api", "aleatoric-worker"):
        deployment = next(d for d in docs if d["metadata"]["name"] == name)
        env = {e["name"]: e for e in _containers(deployment)[0]["env"]}
        assert env["ALEATORIC_BROKER_URL"]["valueFrom"]["secretKeyRef"]["name"] == (
            "aleatoric-rabbitmq"
        )
    triggers = [t for d in docs if d["kind"] == "ScaledObject" for t in d["spec"]["triggers"]]
    assert [t["type"] for t in triggers] == ["rabbitmq"]
    meta = triggers[0]["metadata"]
    # The management API's count includes unacknowledged messages (chunks being computed).
    assert meta["protocol"] == "http" and meta["mode"] == "QueueLength"
    auth = next(d for d in docs if d["kind"] == "TriggerAuthentication")
    assert [r["parameter"] for r in auth["spec"]["secretTargetRef"]] == ["host"]
    settings = JobSettings(broker_url="amqp://user:secret@rabbitmq:5672/aleatoric")
    assert broker_kind(settings.broker_url) == "amqp"
    assert broker_transport_options(settings) == {"confirm_publish": True}


def test_the_validators_reject_broken_resources() -> None:
    scaled = yaml.safe_load((DEPLOY / "keda" / "scaledobject-redis.yaml").read_text())
    broken = copy.deepcopy(scaled)
    del broken["spec"]["triggers"]
    with pytest.raises(jsonschema.ValidationError):
        _validate_custom(broken, "keda-scaledobject.json")
    broken = copy.deepcopy(scaled)
    broken["spec"]["triggers"][0]["metadata"]["listLength"] = 1  # must be a string
    with pytest.raises(jsonschema.ValidationError):
        _validate_custom(broken, "keda-scaledobject.json")
    deployment = next(d for d in build(DEPLOY) if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_dockerfile_is_multi_stage_non_root_with_the_service_extra() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, flags=re.M | re.I)
    assert len(stages) >= 2
    final = text[text.rfind("\nFROM ") :]
    user = re.findall(r"^USER\s+(\S+)", final, flags=re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"pip install[^\n]*\.\[service[,\]]", text)
    assert "COPY --from=" in final
    assert re.search(r'^ENTRYPOINT \["aleatoric"\]', final, flags=re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".git" in ignored and ".venv" in ignored


def test_the_opendata_cronjob_builds_yesterday_through_the_service_idempotently() -> None:
    import typer

    from aleatoric.cli import app

    docs = build(DEPLOY / "variants" / "opendata")
    cron = next(d for d in docs if d["kind"] == "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["timeZone"] == "Etc/UTC"
    pod = _pod_spec(cron)
    assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"] is True
    container = _containers(cron)[0]
    args = container["args"]
    assert args[:2] == ["opendata", "build"]
    options = dict(zip(args[2::2], args[3::2], strict=False))
    assert options["--date"] == "yesterday"
    service = next(d for d in docs if d["kind"] == "Service")
    assert options["--remote"] == f"http://{service['metadata']['name']}"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert options["--key"].startswith(next(p for p, n in mounts.items() if n == "keys"))
    assert options["--out"].startswith(next(p for p, n in mounts.items() if n == "data"))
    # the real command line accepts exactly these arguments
    command = typer.main.get_command(app)
    opendata = command.commands["opendata"]  # type: ignore[attr-defined]
    context = opendata.commands["build"].make_context("build", list(args[2:]))
    assert context.params["index"] is True and context.params["day"] == "yesterday"
    env = {e["name"] for e in container["env"]}
    assert "ALEATORIC_API_KEY" in env
