"""The MLflow branch of the deploy step, with a fake model deployer."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from zenml.services import ServiceState

from steps.deployment import deploy_production_model as deploy

URL = "http://127.0.0.1:8001/invocations"


class FakeService:
    def __init__(self, running: bool):
        self.uuid = "service-1"
        self.is_running = running
        self.prediction_url = URL if running else None
        self.status = SimpleNamespace(log_file="/tmp/service.log")

    def check_status(self):
        return ServiceState.INACTIVE, "service daemon is not running"


class FakeDeployer:
    def __init__(self, calls: list[str], running: bool):
        self.calls = calls
        self.running = running
        self.deploy_kwargs: dict = {}

    def deploy_model(self, **kwargs):
        self.calls.append("deploy")
        self.deploy_kwargs = kwargs
        return FakeService(self.running)


def _patch_stack(monkeypatch, running: bool) -> tuple[list[str], FakeDeployer]:
    calls: list[str] = []
    deployer = FakeDeployer(calls, running)
    client = SimpleNamespace(
        active_stack=SimpleNamespace(model_deployer=deployer)
    )
    context = SimpleNamespace(
        pipeline=SimpleNamespace(name="deployment_pipeline"),
        step_run=SimpleNamespace(name="deploy_production_model"),
    )
    monkeypatch.setattr(deploy, "Client", lambda: client)
    monkeypatch.setattr(deploy, "get_step_context", lambda: context)

    def fake_stop(timeout: int) -> int:
        calls.append("stop")
        return 1

    monkeypatch.setattr(deploy, "stop_services", fake_stop)
    return calls, deployer


def test_old_servers_removed_before_deploy(monkeypatch):
    calls, deployer = _patch_stack(monkeypatch, running=True)
    url = deploy._deploy_mlflow("models:/m-new", timeout_s=5)
    assert url == URL
    assert calls == ["stop", "deploy"]
    assert deployer.deploy_kwargs["config"].model_uri == "models:/m-new"


def test_server_not_running_raises(monkeypatch):
    _patch_stack(monkeypatch, running=False)
    with pytest.raises(RuntimeError) as error:
        deploy._deploy_mlflow("models:/m-new", timeout_s=5)
    assert "is not running" in str(error.value)
    assert "/tmp/service.log" in str(error.value)
    assert "service daemon is not running" in str(error.value)


def test_python_bin_put_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    deploy._put_python_bin_on_path()
    entries = os.environ["PATH"].split(os.pathsep)
    assert entries[0] == str(Path(sys.executable).parent)
    assert entries[1:] == ["/usr/bin"]

    deploy._put_python_bin_on_path()
    assert os.environ["PATH"].split(os.pathsep) == entries
