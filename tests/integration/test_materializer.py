"""Round trip of a FreightModel through ZenML's artifact store."""

from __future__ import annotations

import os

import numpy as np

from freight import features
from freight.model import FreightModel, ModelParams


def test_freight_model_round_trip(shipments, zenml_store):
    from zenml import load_artifact, save_artifact
    from zenml.client import Client

    import materializers  # noqa: F401  registers the materializers

    labelled = shipments[shipments["freight_usd"].notna()].head(400)
    table = features.build_features(labelled)
    params = ModelParams(
        iterations=30, quantile_iterations=30, calibration_folds=2
    )
    model = FreightModel.fit(table, labelled["freight_usd"], params)

    saved = save_artifact(model, name="round_trip_model")
    uri = saved.uri
    files = sorted(os.listdir(uri))
    assert any(name.endswith(".cbm") for name in files)
    assert not any(name.endswith((".pkl", ".pickle")) for name in files)
    assert saved.run_metadata["point_tree_count"] == 30
    assert saved.run_metadata["feature_names"] == list(features.FEATURES)

    loaded = load_artifact("round_trip_model")
    before = model.predict(table)
    after = loaded.predict(table)
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy())
    assert Client().get_artifact_version("round_trip_model").type == "ModelArtifact"
