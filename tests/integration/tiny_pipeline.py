"""A two-step ZenML pipeline for the stack and dashboard tests.

The tests copy this file into a temporary ZenML repository and run it as
a script, so it imports nothing from the project and never touches the
project's own .zen directory. It prints the run id on its last line.

Usage: python tiny_pipeline.py [EXPERIMENT_TRACKER_NAME]
"""

import sys
from typing import Annotated

from PIL import Image, ImageDraw
from zenml import pipeline, step

TRACKER = sys.argv[1] if len(sys.argv) > 1 else None


@step(experiment_tracker=TRACKER)
def count_shipments() -> Annotated[int, "shipment_count"]:
    """Return a fixed count and log it to MLflow when a tracker is set."""
    if TRACKER:
        import mlflow

        mlflow.log_metric("shipment_count", 3)
    return 3


@step
def draw_bar_chart(count: int) -> Annotated[Image.Image, "bar_chart"]:
    """Draw a bar chart PNG whose bar height is `count`."""
    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([100, 150 - 40 * count, 140, 150], fill="steelblue")
    return image


@pipeline(enable_cache=False)
def tiny_pipeline() -> None:
    """Count shipments, then draw them."""
    draw_bar_chart(count_shipments())


if __name__ == "__main__":
    print(tiny_pipeline().id)
