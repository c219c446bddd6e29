"""Follow a model version from a prediction back to its training data.

Every prediction from the endpoint carries `model_version`, for example
`freight_cost_model:3`. Run from the repository root:

    python -m utils.provenance freight_cost_model:3

It prints the model version, the training run that created it, the
path and SHA-256 of the data file, the training data span, the test
metrics and the MLflow run of the training step, when there is one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

# Set before ZenML is imported: the project sends no analytics.
os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")

import click  # noqa: E402

TRAINING_PIPELINE = "training_pipeline"
INGEST_STEP = "ingest_shipments"
MODEL_ARTIFACT = "freight_model"
METRICS_ARTIFACT = "evaluation_metrics"


@dataclass
class Provenance:
    """Origin of a model version: its run, data, span and metrics."""

    model_version: str
    model_version_id: str
    stage: str | None
    training_run_name: str
    training_run_id: str
    data_path: str
    batch_path: str | None
    data_sha256: str
    training_data_span: str | None
    training_shipments: int | None
    split_protocol: str | None
    test_metrics: dict[str, Any]
    mlflow_run_id: str | None
    mlflow_experiment_id: str | None
    model_artifact_run_id: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_version_label(label: str) -> tuple[str, int]:
    """Split `name:number`, the `model_version` field of a prediction.

    Raises:
        ValueError: if the label has no `:` or the number is not a
            positive integer.
    """
    name, separator, number = label.rpartition(":")
    if not separator or not name or not number.isdigit() or number == "0":
        raise ValueError(
            f"invalid model version {label!r}: expected NAME:NUMBER as in "
            "the `model_version` field of a prediction, for example "
            "freight_cost_model:3"
        )
    return name, int(number)


def training_run(version) -> Any:
    """Return the training pipeline run that created a model version.

    Raises:
        LookupError: if no training run is recorded for the version.
    """
    from zenml.client import Client

    runs = Client().list_pipeline_runs(
        model_version_id=version.id,
        pipeline_name=TRAINING_PIPELINE,
        sort_by="asc:created",
        size=1,
        hydrate=True,
    )
    if not runs.items:
        raise LookupError(
            f"model version {version.model.name}:{version.number} has no "
            f"{TRAINING_PIPELINE} run; it was not created by training"
        )
    return runs.items[0]


def trace(label: str) -> Provenance:
    """Follow a model version label to its run, data and metrics.

    The data hash, span and split come from the model version's
    metadata, which `register_model_version` logs. A version whose steps
    were all cache hits has no metadata of its own, so they then come
    from the version of the run that trained the model, and the hash
    falls back to the ingest step's parameters.

    Args:
        label: `name:number`, for example `freight_cost_model:3`.

    Returns:
        The provenance record of that model version.

    Raises:
        ValueError: if `label` is malformed.
        KeyError: if the model or the version does not exist.
        LookupError: if the version has no training run.
    """
    from zenml.client import Client

    name, number = parse_version_label(label)
    version = Client().get_model_version(name, number)
    run = training_run(version)
    ingest = run.steps[INGEST_STEP].config.parameters
    model_artifact = version.get_artifact(MODEL_ARTIFACT)

    # Cached steps log no metadata, so a version from a fully cached
    # rerun takes it from the version of the run that trained the model.
    metadata = {}
    producer = Client().get_pipeline_run(
        model_artifact.producer_pipeline_run_id
    )
    if producer.model_version:
        metadata.update(producer.model_version.run_metadata)
    metadata.update(version.run_metadata)
    train_step = Client().get_run_step(model_artifact.producer_step_run_id)
    train_metadata = train_step.run_metadata
    metrics = version.get_artifact(METRICS_ARTIFACT).load()

    return Provenance(
        model_version=f"{name}:{version.number}",
        model_version_id=str(version.id),
        stage=version.stage,
        training_run_name=run.name,
        training_run_id=str(run.id),
        data_path=ingest["data_path"],
        batch_path=ingest.get("batch_path") or None,
        data_sha256=metadata.get("data_sha256", ingest["data_sha256"]),
        training_data_span=metadata.get("training_data_span"),
        training_shipments=metadata.get("training_shipments"),
        split_protocol=metadata.get("split_protocol"),
        test_metrics=metrics["test"],
        mlflow_run_id=train_metadata.get("mlflow_run_id"),
        mlflow_experiment_id=train_metadata.get("mlflow_experiment_id"),
        model_artifact_run_id=str(model_artifact.producer_pipeline_run_id),
    )


def format_provenance(record: Provenance) -> str:
    """Format a provenance record as aligned `field  value` lines."""
    test = record.test_metrics
    coverage = test.get("interval_coverage")
    rows = [
        ("model version", record.model_version),
        ("stage", record.stage or "-"),
        ("model version id", record.model_version_id),
        ("training run", record.training_run_name),
        ("training run id", record.training_run_id),
        ("data path", record.data_path),
        ("batch path", record.batch_path or "-"),
        ("data sha256", record.data_sha256),
        ("training data span", record.training_data_span or "-"),
        ("training shipments", record.training_shipments or "-"),
        ("split protocol", record.split_protocol or "-"),
        ("test shipments", f"{test['count']:,}"),
        ("test MAE", f"{test['mae']:,.0f} USD"),
        ("test RMSE", f"{test['rmse']:,.0f} USD"),
        ("test R²", f"{test['r2']:.3f}"),
        ("test Σpred/Σactual", f"{test['sum_ratio']:.3f}"),
        (
            "test P10-P90 coverage",
            "-" if coverage is None else f"{coverage:.3f}",
        ),
        ("MLflow run id", record.mlflow_run_id or "- (no tracker)"),
    ]
    if record.model_artifact_run_id != record.training_run_id:
        rows.append(
            (
                "model trained in run",
                f"{record.model_artifact_run_id} (the training run "
                "reused the model from the cache)",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model_version")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the record as one line of JSON instead of a table.",
)
def main(model_version: str, as_json: bool) -> None:
    """Show the training run, data and metrics behind MODEL_VERSION.

    MODEL_VERSION is the `model_version` field of a prediction, for
    example freight_cost_model:3. The active ZenML store is read, so set
    ZENML_CONFIG_PATH as for the run that trained the model.
    """
    try:
        record = trace(model_version)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="MODEL_VERSION")
    except (KeyError, LookupError) as error:
        raise click.ClickException(
            f"cannot trace {model_version}: {error}"
        ) from error
    if as_json:
        click.echo(json.dumps(record.as_dict()))
    else:
        click.echo(format_provenance(record))


if __name__ == "__main__":
    main()
