"""Read configs/monitoring.yaml into the settings of monitoring/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from freight.gate import GateThresholds
from freight.model import ModelParams
from monitoring.drift import DriftSettings
from monitoring.replay import ReplaySettings

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "configs/monitoring.yaml"


@dataclass(frozen=True)
class MonitoringConfig:
    """Drift, gate and replay settings, plus the threshold sweep grid."""

    drift: DriftSettings
    gate: GateThresholds
    replay: ReplaySettings
    sweep_drift_share: tuple[float, ...] = field(default=())
    sweep_error_increase: tuple[float, ...] = field(default=())


def load_monitoring_config(
    path: str | Path = DEFAULT_PATH, **model_overrides
) -> MonitoringConfig:
    """Read the monitoring config file into settings objects.

    Args:
        path: YAML file with `drift`, `gate` and `replay` sections.
        **model_overrides: ModelParams fields that replace those of
            `replay.model_params`, such as smaller iteration counts.

    Returns:
        The settings; a key left out of the file keeps its default.

    Raises:
        FileNotFoundError: if the file does not exist.
        TypeError: if a section has a key the settings do not know.
    """
    raw = yaml.safe_load(Path(path).read_text()) or {}
    drift_raw = dict(raw.get("drift") or {})
    for key in ("columns", "exclude_columns"):
        if drift_raw.get(key) is not None:
            drift_raw[key] = tuple(drift_raw[key])
    drift = DriftSettings(**drift_raw)
    gate = GateThresholds(**(raw.get("gate") or {}))

    replay_raw = dict(raw.get("replay") or {})
    sweep_drift = tuple(replay_raw.pop("sweep_drift_share", ()) or ())
    sweep_error = tuple(replay_raw.pop("sweep_error_increase", ()) or ())
    params = {**(replay_raw.pop("model_params", None) or {})}
    params.update(model_overrides)
    replay = ReplaySettings(
        **replay_raw,
        model_params=ModelParams(**params),
        drift=drift,
        gate=gate,
    )
    return MonitoringConfig(drift, gate, replay, sweep_drift, sweep_error)
