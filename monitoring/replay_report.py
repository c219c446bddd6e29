"""Text table and PNG chart of a timeline replay."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from monitoring.replay import ALWAYS, GATED, ReplayResult  # noqa: E402

_COLOURS = {"never": "#9e9e9e", ALWAYS: "#1565c0", GATED: "#e65100"}


def format_replay_table(result: ReplayResult) -> str:
    """Format MAE per batch and per policy as a fixed-width text table.

    The last lines give each policy's pooled MAE and number of retrains.
    An `R` after a gated MAE marks a retrain after that batch.
    """
    names = list(result.policies)
    header = f"{'batch':<8} {'ships':>5} " + " ".join(
        f"{name + ' MAE':>12}" for name in names
    )
    has_gate = GATED in result.policies
    if has_gate:
        header += f" {'drift':>6}"
    lines = [header, "-" * len(header)]
    for index, batch in enumerate(result.batches):
        cells = [f"{batch.label:<8}", f"{len(batch.rows):>5}"]
        for name in names:
            policy = result.policies[name]
            mark = "R" if policy.retrained_after[index] else " "
            cells.append(f"{policy.batch_mae[index]:>11,.0f}{mark}")
        if has_gate:
            decision = result.policies[GATED].decisions[index]
            share = f"{decision.drift_share:.2f}" if decision else "-"
            cells.append(f"{share:>6}")
        lines.append(" ".join(cells))
    lines.append("-" * len(header))
    lines.append(
        f"{'overall':<14} "
        + " ".join(f"{result.policies[n].mae:>11,.0f} " for n in names)
    )
    lines.append(
        f"{'retrains':<14} "
        + " ".join(f"{result.policies[n].retrains:>11d} " for n in names)
    )
    return "\n".join(lines)


def plot_replay(result: ReplayResult) -> bytes:
    """Draw MAE per batch for each policy, with retraining points marked.

    The upper panel shows each policy's batch MAE; a triangle marks each
    batch after which the policy retrained. The lower panel shows the
    gated policy's drift share against its threshold.

    Returns:
        The PNG image as bytes.
    """
    labels = [batch.label for batch in result.batches]
    positions = list(range(len(labels)))
    has_gate = GATED in result.policies
    rows = 2 if has_gate else 1
    figure, axes = plt.subplots(
        rows,
        1,
        figsize=(10, 6 if has_gate else 4),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 1][:rows]},
    )
    error_axes = axes[0][0]
    for name, policy in result.policies.items():
        colour = _COLOURS.get(name, None)
        error_axes.plot(
            positions,
            policy.batch_mae,
            marker="o",
            markersize=3,
            color=colour,
            label=f"{name}: MAE {policy.mae:,.0f} USD, "
            f"{policy.retrains} retrains",
        )
        marks = [i for i, done in enumerate(policy.retrained_after) if done]
        if name != "never" and marks:
            error_axes.scatter(
                marks,
                [policy.batch_mae[i] for i in marks],
                marker="^",
                s=60 if name == GATED else 20,
                color=colour,
                zorder=3,
            )
    error_axes.set_ylabel("batch MAE (USD)")
    error_axes.set_title(
        f"Timeline replay, {result.settings.batch_months}-month batches "
        "(triangles: retrained after the batch)",
        fontsize=10,
    )
    error_axes.legend(fontsize=8)
    error_axes.grid(alpha=0.3)

    if has_gate:
        gate_axes = axes[1][0]
        decisions = result.policies[GATED].decisions
        shares = [d.drift_share if d else float("nan") for d in decisions]
        gate_axes.bar(positions, shares, color=_COLOURS[GATED], alpha=0.6)
        gate_axes.axhline(
            result.settings.gate.drift_share,
            color="black",
            linestyle="--",
            linewidth=1,
            label="drift share threshold",
        )
        gate_axes.set_ylim(0, 1)
        gate_axes.set_ylabel("drift share")
        gate_axes.legend(fontsize=8, loc="upper left")
    bottom = axes[-1][0]
    bottom.set_xticks(positions)
    bottom.set_xticklabels(labels, rotation=60, fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()
