"""Command-line entry point for the freight-cost pipelines.

Examples:
    python run.py --pipeline training
    python run.py --pipeline training --split time --no-cache
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

# Set before ZenML is imported anywhere: the project sends no analytics.
os.environ.setdefault("ZENML_ANALYTICS_OPT_IN", "false")

import click  # noqa: E402
import yaml  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent
DEFAULT_DATA = REPO_ROOT / "data" / "SCMS_Delivery_History_Dataset.csv.gz"
CONFIG_DIR = REPO_ROOT / "configs"
PIPELINES = ("training", "deployment", "inference", "monitoring", "replay")
MODEL_NAME = "freight_cost_model"


def file_sha256(path: Path) -> str:
    """Hash a file's bytes, so a changed file is never a cache hit."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_config(path: Path) -> dict[str, Any]:
    """Read a pipeline config with its `zenml` and `parameters` parts."""
    check_input_file(path, "config", "--config")
    try:
        with open(path) as file:
            config = yaml.safe_load(file) or {}
    except yaml.YAMLError as error:
        raise click.BadParameter(
            f"{path} is not valid YAML: {error}", param_hint="--config"
        ) from error
    if not isinstance(config, dict):
        raise click.BadParameter(
            f"{path} must be a YAML mapping with top-level 'zenml' and "
            f"'parameters' sections; it is a {type(config).__name__}",
            param_hint="--config",
        )
    for key in ("zenml", "parameters"):
        if key not in config:
            raise click.BadParameter(
                f"{path} has no top-level '{key}' section",
                param_hint="--config",
            )
        if not isinstance(config[key], dict):
            raise click.BadParameter(
                f"{path}: the '{key}' section must be a mapping of "
                f"settings; it is {config[key]!r}",
                param_hint="--config",
            )
    return config


def check_input_file(path: Path, kind: str, option: str) -> None:
    """Raise a usage error naming `option` unless `path` is a file."""
    if path.is_dir():
        raise click.BadParameter(
            f"{path} is a directory: pass the path of the {kind} file",
            param_hint=option,
        )
    if not path.is_file():
        raise click.BadParameter(
            f"{kind} file not found: {path}", param_hint=option
        )


def run_configured(pipeline, config: dict[str, Any], no_cache: bool,
                   **parameters: Any):
    """Run a pipeline with the config's ZenML settings and parameters.

    Raises:
        click.ClickException: naming the failed step and its error.
    """
    from zenml import Model

    settings = dict(config["zenml"])
    if "model" in settings:
        settings["model"] = Model(**settings["model"])
    if no_cache:
        settings["enable_cache"] = False
    configured = pipeline.with_options(**settings)
    try:
        return configured(**config["parameters"], **parameters)
    except RuntimeError as error:
        raise click.ClickException(
            failed_step_message(pipeline.name)
        ) from error


def run_training(
    data: Path, split: str | None, config_path: Path, no_cache: bool
) -> None:
    """Run the training pipeline and print the headline test metrics."""
    from pipelines.training import training_pipeline

    config = load_config(config_path)
    if split:
        config["parameters"]["split"]["protocol"] = split
    data = data.resolve()
    check_input_file(data, "data", "--data")
    run = run_configured(
        training_pipeline,
        config,
        no_cache,
        data_path=str(data),
        data_sha256=file_sha256(data),
    )
    print_training_summary(run)


def run_deployment(config_path: Path) -> None:
    """Promote if better, deploy, and print the decision and the URL."""
    from zenml.client import Client

    from pipelines.deployment import deployment_pipeline

    config = load_config(config_path)
    run = run_configured(deployment_pipeline, config, no_cache=True)
    run = Client().get_pipeline_run(run.id)
    promotion = run.steps["promote_if_better"].run_metadata.get("promotion")
    if promotion:
        verdict = "promoted" if promotion["promote"] else "not promoted"
        click.echo(
            f"Version {promotion['candidate_version']} {verdict}: "
            f"{promotion['reason']}"
        )
    url = run.steps["deploy_production_model"].outputs["prediction_url"][
        0
    ].load()
    click.echo(f"Production model served at {url}")


def failed_step_message(pipeline_name: str) -> str:
    """Describe why the newest run of a pipeline failed, step by step."""
    from zenml.client import Client
    from zenml.enums import ExecutionStatus

    run = Client().get_pipeline(pipeline_name).last_run
    lines = [f"pipeline run {run.name} failed."]
    for name, step in run.steps.items():
        if step.status == ExecutionStatus.FAILED:
            info = step.exception_info
            message = info.message if info else "see the step log"
            lines.append(f"step {name}: {message}")
    return "\n".join(lines)


def print_training_summary(run) -> None:
    """Print the model version and test metrics of a finished run."""
    from zenml.client import Client

    run = Client().get_pipeline_run(run.id)
    step = run.steps["evaluate_freight_model"]
    metrics = step.outputs["evaluation_metrics"][0].load()
    test = metrics["test"]
    baseline = metrics["baseline_median_by_mode"]
    version = run.model_version
    click.echo(
        f"\nModel version: {version.model.name} v{version.name} "
        f"(run {run.name})"
    )
    click.echo(f"Test shipments: {test['count']:,}")
    click.echo(f"  MAE             {test['mae']:>12,.0f} USD")
    click.echo(f"  RMSE            {test['rmse']:>12,.0f} USD")
    click.echo(f"  R²              {test['r2']:>12.3f}")
    click.echo(f"  median APE      {test['median_ape']:>12.3f}")
    click.echo(f"  Σpred/Σactual   {test['sum_ratio']:>12.3f}")
    click.echo(f"  P10-P90 cover   {test['interval_coverage']:>12.3f}")
    click.echo(f"  baseline MAE    {baseline['mae']:>12,.0f} USD "
               "(median by shipment mode)")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--pipeline",
    "pipeline_name",
    type=click.Choice(PIPELINES),
    help="Pipeline to run.",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA,
    show_default="data/SCMS_Delivery_History_Dataset.csv.gz",
    help="SCMS delivery history CSV (plain or .gz; UTF-8 with or without "
    "BOM; LF, CRLF or CR line endings).",
)
@click.option(
    "--split",
    type=click.Choice(["group", "time"]),
    default=None,
    help="Test split: 'group' holds out 20% of shipments at random; "
    "'time' tests on shipments scheduled from 2014-01-01. Default: the "
    "config's split.protocol.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Pipeline config YAML. Default: configs/<pipeline>.yaml.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    default=False,
    help="Run every step again instead of reusing cached outputs.",
)
@click.option(
    "--batch",
    type=click.Path(path_type=Path),
    default=None,
    help="SCMS-format CSV of new shipments for --pipeline inference or "
    "monitoring; the freight column may be absent (drift check only).",
)
@click.option(
    "--window-hours",
    type=float,
    default=24.0,
    show_default=True,
    help="With --pipeline monitoring and no --batch: summarise the "
    "endpoint's requests of the last this many hours.",
)
@click.option(
    "--endpoint",
    is_flag=True,
    help="Print the prediction URL of the running deployment; exit 1 if "
    "none is running.",
)
@click.option(
    "--predict",
    "predict_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Send a JSON list of shipment records, or an SCMS-format CSV, to "
    "the running deployment and print one JSON prediction per record.",
)
@click.option(
    "--stop", is_flag=True, help="Stop the running deployment."
)
@click.option(
    "--stack",
    type=click.Choice(["local", "server", "kubernetes"]),
    default=None,
    help="Register this stack from configs/stacks.yaml when missing and "
    "activate it (before --pipeline, if both are given). The server "
    "stack needs `scripts/server_stack.sh start` first.",
)
@click.option(
    "--dashboard",
    is_flag=True,
    help="Start the ZenML dashboard on 127.0.0.1 and print its URL.",
)
@click.option(
    "--dashboard-stop",
    is_flag=True,
    help="Stop the dashboard started with --dashboard.",
)
def main(
    pipeline_name: str | None,
    data: Path,
    split: str | None,
    config_path: Path | None,
    no_cache: bool,
    batch: Path | None,
    window_hours: float,
    endpoint: bool,
    predict_path: Path | None,
    stop: bool,
    stack: str | None,
    dashboard: bool,
    dashboard_stop: bool,
) -> None:
    """Run the freight-cost pipelines on the active ZenML stack.

    On first use this creates the ZenML repository and registers the
    local stack (local orchestrator and artifact store, MLflow experiment
    tracker and model deployer, Evidently data validator).
    """
    actions = (pipeline_name, endpoint, predict_path, stop, stack,
               dashboard, dashboard_stop)
    if not any(actions):
        click.echo(click.get_current_context().get_help())
        sys.exit(2)

    if dashboard:
        from utils.dashboard import start_dashboard

        click.echo(start_dashboard())
        return
    if dashboard_stop:
        from utils.dashboard import stop_dashboard

        stop_dashboard()
        click.echo("Stopped the ZenML dashboard")
        return

    from utils.stacks import ensure_local_stack, ensure_stack

    if stack:
        click.echo(f"Active stack: {ensure_stack(stack)}")
    else:
        ensure_local_stack()
    if endpoint:
        show_endpoint()
    elif predict_path:
        predict_file(predict_path)
    elif stop:
        from utils.endpoint import stop_services

        click.echo(f"Stopped {stop_services()} deployment(s)")
    elif pipeline_name:
        if pipeline_name == "training":
            config_path = config_path or CONFIG_DIR / "training.yaml"
            run_training(data, split, config_path, no_cache)
        elif pipeline_name == "deployment":
            run_deployment(config_path or CONFIG_DIR / "deployment.yaml")
        elif pipeline_name in ("inference", "monitoring") and batch:
            if pipeline_name == "inference":
                run_inference(batch)
            else:
                run_monitoring(batch, data)
        elif pipeline_name == "monitoring":
            run_traffic_summary(window_hours)
        elif pipeline_name == "inference":
            raise click.UsageError("--pipeline inference needs --batch")
        elif pipeline_name == "replay":
            run_replay(data, config_path or CONFIG_DIR / "monitoring.yaml")


def batch_parameters(batch: Path) -> dict[str, Any]:
    """Parameters shared by the inference and monitoring pipelines."""
    batch = batch.resolve()
    check_input_file(batch, "batch", "--batch")
    monitoring = yaml.safe_load((CONFIG_DIR / "monitoring.yaml").read_text())
    training = load_config(CONFIG_DIR / "training.yaml")
    return {
        "batch_path": str(batch),
        "batch_sha256": file_sha256(batch),
        "model_name": MODEL_NAME,
        "cleaning": training["parameters"]["cleaning"],
        "drift": monitoring["drift"],
        "gate": monitoring["gate"],
    }


def production_model_config() -> dict[str, Any]:
    """ZenML settings that link a run's artifacts to production."""
    from steps.inference.load_production_model import production_version

    try:
        production_version(MODEL_NAME)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    return {"model": {"name": MODEL_NAME, "version": "production"}}


def run_inference(batch: Path) -> None:
    """Predict a batch with the production model and print a summary."""
    from zenml.client import Client

    from pipelines.inference import inference_pipeline

    parameters = batch_parameters(batch)
    config = {"zenml": production_model_config(), "parameters": {}}
    run = run_configured(inference_pipeline, config, False, **parameters)
    run = Client().get_pipeline_run(run.id)
    predictions = run.steps["predict_batch"].outputs
    table = predictions["batch_predictions"][0]
    rejected = predictions["unpredictable_shipments"][0].load()
    click.echo(
        f"Predicted {table.run_metadata['predicted_shipments']:,} "
        f"shipments with {table.run_metadata['model_version']}; "
        f"{len(rejected)} could not be predicted"
    )
    for _, row in rejected.iterrows():
        click.echo(f"  {row['shipment_id']}: {row['reason']}")
    click.echo(
        f"Predictions: artifact batch_predictions version {table.version}"
    )
    metrics = run.steps["evaluate_batch"].outputs["batch_metrics"][0].load()
    if metrics.get("mae") is not None:
        click.echo(
            f"Realised MAE {metrics['mae']:,.0f} USD on "
            f"{metrics['labelled_shipments']:,} labelled shipments"
        )


def run_monitoring(batch: Path, data: Path) -> None:
    """Run the gate on a batch; retrain, promote and redeploy if it fires."""
    from zenml.client import Client

    from pipelines.monitoring import monitoring_pipeline
    from pipelines.training import training_pipeline

    parameters = batch_parameters(batch)
    config = {"zenml": production_model_config(), "parameters": {}}
    run = run_configured(monitoring_pipeline, config, True, **parameters)
    run = Client().get_pipeline_run(run.id)
    decision = run.steps["decide_retraining"].outputs[
        "retraining_decision"
    ][0].load()
    if decision["mode"] != "drift_and_error":
        click.echo(
            "The batch has no freight labels: the gate checked drift only."
        )
    for reason in decision["reasons"]:
        click.echo(f"  {reason}")
    if not decision["retrain"]:
        click.echo("Gate: keep the production model.")
        return
    if decision["mode"] != "drift_and_error":
        click.echo(
            "Gate fired on drift, but retraining needs labelled "
            "shipments: label the batch and run the monitoring pipeline "
            "again."
        )
        return
    data = data.resolve()
    new_items = count_new_line_items(data, Path(parameters["batch_path"]))
    if not new_items:
        click.echo(
            "Gate fired, but every line item of the batch is already in "
            f"{data}: retraining would repeat the production model's data, "
            "so it is skipped."
        )
        return

    click.echo(
        f"Gate fired: retraining on the training data plus {new_items:,} "
        "new line items of the batch."
    )
    training = load_config(CONFIG_DIR / "training.yaml")
    run = run_configured(
        training_pipeline,
        training,
        False,
        data_path=str(data),
        data_sha256=combined_sha256(data, Path(parameters["batch_path"])),
        batch_path=parameters["batch_path"],
    )
    print_training_summary(run)
    run_deployment(CONFIG_DIR / "deployment.yaml")


def run_replay(data: Path, config_path: Path) -> None:
    """Replay the timeline; write the JSON result and the chart."""
    import json

    from zenml.client import Client

    from pipelines.replay import replay_pipeline

    training = load_config(CONFIG_DIR / "training.yaml")
    data = data.resolve()
    check_input_file(data, "data", "--data")
    config = {"zenml": {}, "parameters": {}}
    run = run_configured(
        replay_pipeline,
        config,
        False,
        data_path=str(data),
        data_sha256=file_sha256(data),
        cleaning=training["parameters"]["cleaning"],
        config_path=str(config_path.resolve()),
    )
    outputs = Client().get_pipeline_run(run.id).steps[
        "replay_timeline"
    ].outputs
    summary = outputs["replay_result"][0].load()
    table = outputs["replay_table"][0].load()
    results = REPO_ROOT / "benchmarks" / "results" / "replay.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(summary, indent=2) + "\n")
    chart = REPO_ROOT / "docs" / "replay.png"
    chart.write_bytes(bytes(outputs["replay_chart"][0].load()))
    click.echo(table.to_string(float_format=lambda v: f"{v:,.0f}"))
    for name, policy in summary["policies"].items():
        click.echo(
            f"{name:>7}: MAE {policy['mae']:,.0f} USD, "
            f"{policy['retrains']} retrains"
        )
    click.echo(f"Wrote {results} and {chart}")


def count_new_line_items(data: Path, batch: Path) -> int:
    """Count the batch's line items whose ID is not in the data file."""
    from freight import contract

    known = set(contract.read_raw_csv(data)[contract.ID].str.strip())
    ids = contract.read_raw_csv(batch)[contract.ID].str.strip()
    return int((~ids.isin(known)).sum())


def combined_sha256(*paths: Path) -> str:
    """Hash several files' hashes into one cache key and provenance id."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def run_traffic_summary(window_hours: float) -> None:
    """Summarise the deployed model's request log for a time window."""
    from zenml.client import Client

    from pipelines.monitoring import endpoint_monitoring_pipeline
    from serving.request_log import RequestLog

    log = RequestLog.from_env()
    if log.path is None:
        raise click.ClickException(
            "the request log is off (FREIGHT_REQUEST_LOG is empty): set it "
            "to the path the model server writes"
        )
    monitoring = yaml.safe_load((CONFIG_DIR / "monitoring.yaml").read_text())
    config = {"zenml": production_model_config(), "parameters": {}}
    run = run_configured(
        endpoint_monitoring_pipeline,
        config,
        True,
        model_name=MODEL_NAME,
        log_path=str(log.path),
        window_hours=window_hours,
        drift=monitoring["drift"],
        gate=monitoring["gate"],
    )
    summary = Client().get_pipeline_run(run.id).steps[
        "summarize_endpoint_traffic"
    ].outputs["traffic_summary"][0].load()
    click.echo(summary["message"])


def show_endpoint() -> None:
    """Print the prediction URL on one line, or exit 1."""
    from utils.endpoint import prediction_url

    url = prediction_url()
    if not url:
        click.echo(
            "No deployment is running: run `python run.py --pipeline "
            "deployment` first.",
            err=True,
        )
        sys.exit(1)
    click.echo(url)


def predict_file(path: Path) -> None:
    """Send the records in PATH to the endpoint; print one JSON per line."""
    import json

    import requests

    from utils.endpoint import prediction_url

    url = prediction_url()
    if not url:
        raise click.ClickException(
            "no deployment is running: run `python run.py --pipeline "
            "deployment` first"
        )
    records = read_records(path)
    response = requests.post(
        url,
        json={"dataframe_records": records},
        timeout=300,
    )
    if response.status_code >= 400:
        raise click.ClickException(
            f"the endpoint rejected the request ({response.status_code}): "
            f"{response.text[:2000]}"
        )
    for prediction in response.json()["predictions"]:
        click.echo(json.dumps(prediction))


def read_records(path: Path) -> list[dict[str, Any]]:
    """Read shipment records from a JSON list or an SCMS-format CSV."""
    import json

    from freight.contract import DataContractError, read_raw_csv

    if path.suffix.lower() == ".json":
        try:
            records = json.loads(path.read_bytes())
        except ValueError as error:
            # JSONDecodeError, or UnicodeDecodeError for bytes that are
            # not UTF-8, UTF-16 or UTF-32.
            raise click.BadParameter(
                f"{path} is not valid JSON: {error}", param_hint="--predict"
            ) from error
        if not isinstance(records, list):
            raise click.BadParameter(
                f"{path} must hold a JSON list of records",
                param_hint="--predict",
            )
        return records
    try:
        frame = read_raw_csv(path)
    except DataContractError as error:
        raise click.BadParameter(str(error), param_hint="--predict") from error
    # Empty CSV cells are absent fields, not empty strings.
    return [
        {key: value for key, value in row.items() if value != ""}
        for row in frame.to_dict(orient="records")
    ]


if __name__ == "__main__":
    main()
