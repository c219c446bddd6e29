"""PNG charts of model quality, drawn with matplotlib's Agg backend."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _to_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def predicted_vs_actual_png(
    actual: np.ndarray, predicted: np.ndarray, title: str
) -> bytes:
    """Scatter predicted against actual freight on log axes."""
    figure, axis = plt.subplots(figsize=(6, 5.5))
    axis.scatter(actual, predicted, s=6, alpha=0.4)
    low = max(1.0, float(min(np.min(actual), np.min(predicted))))
    high = float(max(np.max(actual), np.max(predicted)))
    axis.plot([low, high], [low, high], color="black", linewidth=1)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("actual freight (USD)")
    axis.set_ylabel("predicted freight (USD)")
    axis.set_title(title)
    return _to_png(figure)


def feature_importance_png(importances: pd.Series) -> bytes:
    """Horizontal bar chart of CatBoost feature importances."""
    ordered = importances.sort_values()
    figure, axis = plt.subplots(figsize=(6, 0.3 * len(ordered) + 1))
    axis.barh(ordered.index, ordered.values)
    axis.set_xlabel("importance (CatBoost PredictionValuesChange)")
    axis.set_title("Feature importances")
    return _to_png(figure)


def message_png(text: str) -> bytes:
    """Draw one line of text as a small PNG, in place of an empty chart."""
    figure, axis = plt.subplots(figsize=(6, 1.2))
    axis.axis("off")
    axis.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    return _to_png(figure)
