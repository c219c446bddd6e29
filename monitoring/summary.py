"""Static drift summaries: an HTML page without scripts and a PNG chart.

Evidently's HTML report draws everything with JavaScript, so it shows a
blank page in a sandboxed iframe that runs no scripts, such as the ZenML
dashboard's artifact view. These summaries carry the same verdict as
plain HTML and a PNG image.
"""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from freight.gate import GateDecision  # noqa: E402
from monitoring.drift import DriftResult  # noqa: E402

_STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
th { background: #f2f2f2; }
td.number { text-align: right; font-family: monospace; }
.fired { color: #b00020; font-weight: bold; }
.ok { color: #1b5e20; font-weight: bold; }
"""


def _format_score(value: float) -> str:
    return f"{value:.2e}" if 0 < abs(value) < 1e-3 else f"{value:.3f}"


def _row(cells: list[str], numeric: frozenset[int] = frozenset()) -> str:
    parts = []
    for index, cell in enumerate(cells):
        css = ' class="number"' if index in numeric else ""
        parts.append(f"<td{css}>{html.escape(cell)}</td>")
    return "<tr>" + "".join(parts) + "</tr>"


def _drift_table(result: DriftResult) -> str:
    drifted = result.drifted_columns
    if not drifted:
        return "<p>No column drifted.</p>"
    rows = [
        _row(
            [
                column.column,
                column.stattest,
                _format_score(column.score),
                _format_score(column.threshold),
            ],
            numeric=frozenset({2, 3}),
        )
        for column in sorted(drifted, key=lambda column: column.score)
    ]
    return (
        "<table><tr><th>column</th><th>test</th>"
        "<th>p-value or distance</th><th>threshold</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _quality_table(result: DriftResult) -> str:
    issues = [
        item
        for item in result.quality
        if item.new_categories
        or item.missing_current > 0
        or item.missing_reference > 0
    ]
    if not issues:
        return "<p>No missing values and no unseen categories.</p>"
    rows = []
    for item in issues:
        categories = ", ".join(item.new_categories[:10])
        if len(item.new_categories) > 10:
            categories += f" and {len(item.new_categories) - 10} more"
        rows.append(
            _row(
                [
                    item.column,
                    f"{item.missing_reference:.1%}",
                    f"{item.missing_current:.1%}",
                    str(item.new_category_rows),
                    categories,
                ],
                numeric=frozenset({1, 2, 3}),
            )
        )
    return (
        "<table><tr><th>column</th><th>missing (training)</th>"
        "<th>missing (batch)</th><th>rows with unseen categories</th>"
        "<th>unseen categories</th></tr>" + "".join(rows) + "</table>"
    )


def _decision_block(decision: GateDecision) -> str:
    verdict = "retrain" if decision.retrain else "keep the model"
    css = "fired" if decision.retrain else "ok"
    reasons = "".join(
        f"<li>{html.escape(reason)}</li>" for reason in decision.reasons
    )
    return (
        f'<h2>Retraining gate: <span class="{css}">{verdict}</span></h2>'
        f"<p>Mode: {html.escape(decision.mode)}</p><ul>{reasons}</ul>"
    )


def render_drift_summary_html(
    result: DriftResult,
    drift_share_threshold: float,
    decision: GateDecision | None = None,
    title: str = "Drift summary",
) -> str:
    """Render a drift result as a standalone HTML page with no scripts.

    Args:
        result: Output of `monitoring.drift.check_drift`.
        drift_share_threshold: Drift share above which the gate fires.
        decision: The gate's decision for this batch, shown when given.
        title: Page heading.

    Returns:
        An HTML document with inline CSS: the drift share against its
        threshold, a table of drifted columns with their test and score,
        a data quality table and, if given, the gate decision.
    """
    fired = result.drift_share > drift_share_threshold
    css = "fired" if fired else "ok"
    relation = "above" if fired else "at or below"
    drifted = len(result.drifted_columns)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        f"</head><body><h1>{html.escape(title)}</h1>",
        f'<p>Drift share <span class="{css}">{result.drift_share:.2f}</span>'
        f" ({drifted} of {len(result.columns)} columns) is {relation} the "
        f"threshold {drift_share_threshold:.2f}. Batch of "
        f"{result.current_rows} rows against {result.reference_rows} "
        "training rows.</p>",
    ]
    if decision is not None:
        parts.append(_decision_block(decision))
    parts += [
        "<h2>Drifted columns</h2>",
        _drift_table(result),
        "<h2>Data quality</h2>",
        _quality_table(result),
        "</body></html>",
    ]
    return "".join(parts)


def plot_drift_scores(
    result: DriftResult, drift_share_threshold: float
) -> bytes:
    """Draw each column's drift score against its threshold as a PNG.

    P-values span many orders of magnitude, so the score axis is
    logarithmic; scores of 0 are drawn at the smallest positive score
    shown. Drifted columns are red.

    Args:
        result: Output of `monitoring.drift.check_drift`.
        drift_share_threshold: Drift share above which the gate fires,
            shown in the title.

    Returns:
        The PNG image as bytes.
    """
    columns = sorted(result.columns, key=lambda column: column.column)
    floor = 1e-12
    scores = [max(column.score, floor) for column in columns]
    colours = ["#c62828" if c.drifted else "#607d8b" for c in columns]
    figure, axes = plt.subplots(figsize=(8, 0.35 * len(columns) + 1.6))
    positions = range(len(columns))
    axes.barh(positions, scores, color=colours)
    for threshold in sorted({column.threshold for column in columns}):
        axes.axvline(threshold, color="black", linestyle="--", linewidth=1)
        axes.annotate(
            f"threshold {threshold:g}",
            (threshold, len(columns) - 0.5),
            textcoords="offset points",
            xytext=(3, 0),
            fontsize=8,
        )
    axes.set_yticks(list(positions))
    axes.set_yticklabels(
        [f"{c.column} ({c.stattest})" for c in columns], fontsize=8
    )
    axes.set_xscale("log")
    axes.set_xlim(left=floor / 2)
    axes.set_xlabel("p-value or distance (log scale); red = drifted")
    verdict = "above" if result.drift_share > drift_share_threshold else (
        "at or below"
    )
    axes.set_title(
        f"Drift share {result.drift_share:.2f} is {verdict} the threshold "
        f"{drift_share_threshold:.2f}",
        fontsize=10,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()
