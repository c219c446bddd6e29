"""Seldon Core Python-wrapper class that serves FreightModel.

Run it with the separate environment of requirements-seldon.txt:

    seldon-core-microservice serving.seldon_model.FreightSeldonModel \\
        --service-type MODEL --http-port 9000

Request: {"jsonData": {"records": [<line-item record>, ...]}}, with the
records of `freight.schema`. Response: {"jsonData": {"predictions":
[...]}, "meta": {...}}, one prediction per record as
`freight.serving.predict_records` returns them. An invalid request gets
HTTP 400 with the field errors in status.info. Every request is written
to the request log of `serving.request_log` (FREIGHT_REQUEST_LOG).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from seldon_core.flask_utils import SeldonMicroserviceException

from freight.model import FreightModel
from freight.schema import InvalidRecordsError
from freight.serving import predict_validated, validate_records
from serving.request_log import RequestLog

logger = logging.getLogger(__name__)

MODEL_DIR_ENV = "FREIGHT_MODEL_DIR"
MODEL_VERSION_ENV = "FREIGHT_MODEL_VERSION"
BAD_DATA = "MICROSERVICE_BAD_DATA"


class FreightSeldonModel:
    """Freight estimates for raw line-item records, for Seldon Core.

    Args:
        model_dir: directory written by FreightModel.save; defaults to
            the FREIGHT_MODEL_DIR environment variable.
        model_version: version string returned with every estimate;
            defaults to FREIGHT_MODEL_VERSION, else "unversioned".
    """

    def __init__(
        self, model_dir: str | None = None, model_version: str | None = None
    ) -> None:
        model_dir = model_dir or os.environ.get(MODEL_DIR_ENV)
        if not model_dir:
            raise ValueError(
                f"no model directory: set {MODEL_DIR_ENV} or pass the "
                "model_dir parameter (a directory written by "
                "FreightModel.save)"
            )
        self.model = FreightModel.load(model_dir)
        self.model_version = (
            model_version
            or os.environ.get(MODEL_VERSION_ENV)
            or "unversioned"
        )
        logger.info(
            f"loaded freight model {self.model_version} from {model_dir}"
        )
        self.request_log = RequestLog.from_env()

    def predict(
        self, X: Any, features_names: Any = None, meta: Any = None
    ) -> dict[str, Any]:
        """Estimate freight for the records in a jsonData request.

        Raises:
            SeldonMicroserviceException: HTTP 400 on an invalid request.
        """
        records = X.get("records") if isinstance(X, dict) else None
        count = len(records) if isinstance(records, (list, tuple)) else 0
        try:
            with self.request_log.track(self.model_version, count) as logged:
                if not isinstance(X, dict) or "records" not in X:
                    raise SeldonMicroserviceException(
                        "request must be JSON {\"jsonData\": {\"records\":"
                        " [...]}} with a list of line-item records; "
                        "ndarray, tensor and strData payloads are not "
                        "supported",
                        status_code=400,
                        reason=BAD_DATA,
                    )
                logged.extend(validate_records(records))
                predictions = predict_validated(
                    self.model, logged, self.model_version
                )
        except InvalidRecordsError as error:
            logger.warning(
                f"rejected request: {len(error.errors)} invalid field(s)"
            )
            raise SeldonMicroserviceException(
                str(error), status_code=400, reason=BAD_DATA
            ) from error
        return {"predictions": predictions}
