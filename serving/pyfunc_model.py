"""MLflow pyfunc wrapper that serves FreightModel on raw line-item records.

MLflow's scoring server turns `dataframe_records` into a pandas DataFrame
before `predict` runs, so a key missing from one record, JSON null and
JSON NaN all arrive as NaN. The wrapper treats every NaN cell as an
absent field: a NaN required field is rejected as missing, and a NaN
weight is an unknown weight that gets a warning.

Every request that reaches `predict` is written to the request log of
`serving.request_log` (FREIGHT_REQUEST_LOG).
"""

from __future__ import annotations

import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models.model import ModelInfo
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from freight.model import FreightModel
from freight.schema import InvalidRecordsError
from freight.serving import predict_validated, validate_records
from serving.request_log import RequestLog

logger = logging.getLogger(__name__)

MODEL_ARTIFACT = "freight_model"
VERSION_ARTIFACT = "model_version"
FREIGHT_PACKAGE = Path(__file__).resolve().parents[1] / "freight"
SERVING_PACKAGE = Path(__file__).resolve().parent
# Pins of the training environment (requirements.txt) that loading the
# model needs; listing them skips MLflow's requirement inference, which
# loads the model in a subprocess.
PIP_REQUIREMENTS = (
    "mlflow==3.17.2",
    "catboost==1.2.10",
    "pandas==2.3.3",
    "numpy==2.4.6",
    "scikit-learn==1.9.1",
    "pydantic==2.12.5",
)


def frame_to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Turn a request DataFrame into dicts without its NaN or None cells."""
    records = []
    for row in frame.to_dict(orient="records"):
        records.append(
            {
                key: value
                for key, value in row.items()
                if not _is_absent(value)
            }
        )
    return records


def _is_absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class FreightPyfuncModel(mlflow.pyfunc.PythonModel):
    """Pyfunc that validates raw records and returns freight estimates.

    Artifacts: `freight_model`, a directory written by FreightModel.save,
    and `model_version`, a text file that contains the version string.
    """

    def load_context(self, context: mlflow.pyfunc.PythonModelContext):
        """Load the FreightModel and the model version from artifacts."""
        model_dir = context.artifacts[MODEL_ARTIFACT]
        self.model = FreightModel.load(model_dir)
        self.model_version = (
            Path(context.artifacts[VERSION_ARTIFACT]).read_text().strip()
        )
        logger.info(
            f"loaded freight model {self.model_version} from {model_dir}"
        )
        self.request_log = RequestLog.from_env()

    def predict(
        self,
        context,
        model_input,
        params=None,
    ):
        """Estimate freight for each record of the request.

        Args:
            context: the MLflow context (unused after load_context).
            model_input: a DataFrame of records, or a list of dicts.
            params: unused; MLflow passes the request's params here.

        Returns:
            One result dict per record, as `predict_records` returns.

        Raises:
            MlflowException: with INVALID_PARAMETER_VALUE (HTTP 400) when
                a record is invalid, naming each field and rule.
        """
        if isinstance(model_input, pd.DataFrame):
            records = frame_to_records(model_input)
        else:
            records = model_input
        count = len(records) if isinstance(records, (list, tuple)) else 0
        try:
            with self.request_log.track(self.model_version, count) as logged:
                logged.extend(validate_records(records))
                return predict_validated(
                    self.model, logged, self.model_version
                )
        except InvalidRecordsError as error:
            logger.warning(
                f"rejected request of {count} record(s): "
                f"{len(error.errors)} invalid field(s)"
            )
            raise MlflowException(
                str(error), error_code=INVALID_PARAMETER_VALUE
            ) from error


def log_freight_pyfunc(
    model_dir: str | Path,
    model_version: str,
    name: str = "freight_model",
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Log a saved FreightModel as an MLflow pyfunc in the active run.

    The `freight` and `serving` packages are logged as code, so the
    served model needs neither ZenML nor this repository.

    Args:
        model_dir: directory written by FreightModel.save.
        model_version: version string returned with every estimate.
        name: name of the logged model within the run.
        registered_model_name: if set, also register the model under
            this name in the MLflow model registry.

    Returns:
        The ModelInfo of the logged model; `model_uri` loads or serves it.
    """
    with tempfile.TemporaryDirectory() as scratch:
        version_file = Path(scratch) / "model_version.txt"
        version_file.write_text(model_version)
        info = mlflow.pyfunc.log_model(
            name=name,
            python_model=FreightPyfuncModel(),
            artifacts={
                MODEL_ARTIFACT: str(model_dir),
                VERSION_ARTIFACT: str(version_file),
            },
            code_paths=[str(FREIGHT_PACKAGE), str(SERVING_PACKAGE)],
            pip_requirements=list(PIP_REQUIREMENTS),
            registered_model_name=registered_model_name,
        )
    logger.info(f"logged freight pyfunc {model_version} at {info.model_uri}")
    return info
