"""Request log of a serving endpoint: one JSON line per prediction request.

Each line contains the UTC time the request arrived, its latency, the
outcome (`ok` or `error` with the error message), the model version, the
record count and the validated snake_case fields of each record.
`monitoring.traffic` reads the file back.

The file is bounded by `logging.handlers.RotatingFileHandler`: at most
`max_bytes` per file plus `backup_count` rotated files (`<path>.1`, ...).
Writing never raises. A failed write is dropped and logged as a warning
at most once a minute, with the count of failures since the last one.

Environment variables, read when a model loads:

- FREIGHT_REQUEST_LOG: path of the log; default
  `~/.freight/request_log.jsonl`. An empty value turns the log off.
- FREIGHT_REQUEST_LOG_MAX_BYTES: size of one file in bytes; default
  10 MiB.
- FREIGHT_REQUEST_LOG_BACKUP_COUNT: rotated files kept; default 5.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

logger = logging.getLogger(__name__)

PATH_ENV = "FREIGHT_REQUEST_LOG"
MAX_BYTES_ENV = "FREIGHT_REQUEST_LOG_MAX_BYTES"
BACKUP_COUNT_ENV = "FREIGHT_REQUEST_LOG_BACKUP_COUNT"
DEFAULT_PATH = Path("~/.freight/request_log.jsonl")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUP_COUNT = 5
MIN_MAX_BYTES = 16 * 1024

OK = "ok"
ERROR = "error"
# Longer error messages are cut, so one bad request cannot fill a file.
MAX_ERROR_CHARS = 2000
WARNING_INTERVAL_SECONDS = 60.0


class _RaisingRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotating handler that raises write errors instead of printing them.

    `Handler.handleError` runs inside the `except` block of `emit`, so a
    bare `raise` re-raises the write error to the caller of `handle`.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        raise


class RequestLog:
    """Append-only JSON-lines log of prediction requests, size-bounded.

    NOTE: RotatingFileHandler is safe across threads, not processes. A
    server with several worker processes rotates the same file from each
    of them, which can lose lines, so serve with one worker (`-w 1`).

    Args:
        path: log file; its parent directory is created on first write.
            None turns the log off.
        max_bytes: maximum size of one file in bytes, at least 16 KiB.
        backup_count: rotated files kept besides the current one, at
            least 1.

    Raises:
        ValueError: if max_bytes or backup_count is out of range.
    """

    def __init__(
        self,
        path: str | Path | None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backup_count: int = DEFAULT_BACKUP_COUNT,
    ) -> None:
        if max_bytes < MIN_MAX_BYTES:
            raise ValueError(
                f"request log max_bytes {max_bytes} is invalid: use at "
                f"least {MIN_MAX_BYTES} bytes"
            )
        if backup_count < 1:
            raise ValueError(
                f"request log backup_count {backup_count} is invalid: "
                "keep at least 1 rotated file"
            )
        self.path = Path(path).expanduser() if path else None
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._handler: logging.Handler | None = None
        self._lock = threading.Lock()
        self._failures = 0
        self._last_warning = -float("inf")

    @classmethod
    def from_env(cls) -> RequestLog:
        """Build the log from the FREIGHT_REQUEST_LOG* variables.

        An invalid size or count is replaced by its default with a
        warning, so a misconfigured log never stops a model from loading.
        """
        path = os.environ.get(PATH_ENV, str(DEFAULT_PATH)).strip()
        max_bytes = _int_env(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, MIN_MAX_BYTES)
        backup_count = _int_env(BACKUP_COUNT_ENV, DEFAULT_BACKUP_COUNT, 1)
        request_log = cls(path or None, max_bytes, backup_count)
        if request_log.enabled:
            logger.info(
                f"request log: {request_log.path}, {max_bytes} bytes per "
                f"file, {backup_count} rotated file(s)"
            )
        else:
            logger.info(f"request log off: {PATH_ENV} is empty")
        return request_log

    @property
    def enabled(self) -> bool:
        """Whether requests are written anywhere."""
        return self.path is not None

    @contextmanager
    def track(
        self, model_version: str, record_count: int
    ) -> Iterator[list[Any]]:
        """Time a request and log it when the block ends.

        The block appends the validated records to the yielded list. A
        block that raises is logged as an error and the exception
        propagates unchanged.

        Args:
            model_version: version of the model that serves the request.
            record_count: number of records in the request.

        Yields:
            The list that receives the request's validated records.
        """
        started = time.perf_counter()
        validated: list[Any] = []
        try:
            yield validated
        except Exception as error:
            self.record_error(started, model_version, record_count, error)
            raise
        self.record_ok(started, model_version, record_count, validated)

    def record_ok(
        self,
        started: float,
        model_version: str,
        record_count: int,
        records: Iterable[Any],
    ) -> None:
        """Log a request that got predictions.

        Args:
            started: `time.perf_counter()` when the request arrived.
            model_version: version of the model that made the predictions.
            record_count: number of records in the request.
            records: validated records (pydantic models or dicts).
        """
        self._write(started, OK, None, model_version, record_count, records)

    def record_error(
        self,
        started: float,
        model_version: str,
        record_count: int,
        error: BaseException,
    ) -> None:
        """Log a rejected or failed request with its error message.

        The records are not logged, because they did not validate.
        """
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
        self._write(started, ERROR, message, model_version, record_count, [])

    def close(self) -> None:
        """Close the open file, if any."""
        with self._lock:
            if self._handler is not None:
                self._handler.close()
                self._handler = None

    def _write(
        self,
        started: float,
        outcome: str,
        error: str | None,
        model_version: str,
        record_count: int,
        records: Iterable[Any],
    ) -> None:
        if not self.enabled:
            return
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            arrived = dt.datetime.now(dt.timezone.utc) - dt.timedelta(
                milliseconds=latency_ms
            )
            entry = {
                "timestamp": arrived.isoformat(),
                "latency_ms": round(latency_ms, 3),
                "outcome": outcome,
                "error": error,
                "model_version": model_version,
                "record_count": record_count,
                "records": to_jsonable_python(
                    list(records), exclude_none=True
                ),
            }
            line = _fit(entry, self.max_bytes)
            with self._lock:
                handler = self._open()
                handler.handle(logging.makeLogRecord({"msg": line}))
        except Exception as write_error:
            self._warn(write_error)

    def _open(self) -> logging.Handler:
        if self._handler is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handler = _RaisingRotatingFileHandler(
                self.path,
                maxBytes=self.max_bytes,
                backupCount=self.backup_count,
                encoding="utf-8",
                delay=True,
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
            self._handler = handler
        return self._handler

    def _warn(self, error: Exception) -> None:
        self._failures += 1
        now = time.monotonic()
        if now - self._last_warning < WARNING_INTERVAL_SECONDS:
            return
        logger.warning(
            f"request log {self.path} not written: {self._failures} "
            "write(s) failed since the last warning, the latest with "
            f"{type(error).__name__}: {error}; predictions are still "
            "returned"
        )
        self._failures = 0
        self._last_warning = now


def _fit(entry: dict[str, Any], max_bytes: int) -> str:
    """Serialise an entry; drop its records if the line exceeds max_bytes.

    RotatingFileHandler writes a line longer than max_bytes to a fresh
    file anyway, so such a line would break the size bound.
    """
    line = json.dumps(entry, default=str, allow_nan=False)
    if len(line.encode("utf-8")) + 1 < max_bytes:
        return line
    entry = dict(entry, records=[], records_omitted=True)
    return json.dumps(entry, default=str, allow_nan=False)


def _int_env(name: str, default: int, minimum: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        logger.warning(
            f"{name}={value!r} is invalid: set a whole number of at least "
            f"{minimum}; using the default {default}"
        )
        return default
    return number
