"""Batch metrics when no predicted shipment carries a label."""

from __future__ import annotations

import logging

import pandas as pd

from steps.inference.evaluate_batch import evaluate_batch

COLUMNS = [
    "freight_usd_actual",
    "freight_usd_predicted",
    "freight_usd_p10",
    "freight_usd_p90",
]


def test_no_predicted_label_gives_no_metrics(caplog):
    # A labelled batch whose every shipment was unpredictable reaches the
    # step as an empty table: the log must not claim the batch is
    # unlabelled.
    predictions = pd.DataFrame(columns=COLUMNS, dtype=float)
    with caplog.at_level(logging.INFO):
        metrics = evaluate_batch.entrypoint(predictions)
    assert metrics == {"labelled_shipments": 0}
    assert "No predicted shipment of the batch has a freight label" in (
        caplog.text
    )
    assert "carries no freight labels" not in caplog.text
