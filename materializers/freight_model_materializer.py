"""Store a FreightModel as native CatBoost `.cbm` files, never a pickle."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from zenml.enums import ArtifactType
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer
from zenml.metadata.metadata_types import MetadataType

from freight.model import FreightModel


class FreightModelMaterializer(BaseMaterializer):
    """Materialize a FreightModel as its .cbm files and JSON header."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (FreightModel,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.MODEL

    def load(self, data_type: type[Any]) -> FreightModel:
        """Copy the files to a local folder and load them with CatBoost."""
        with self.get_temporary_directory(delete_at_exit=True) as local:
            for name in fileio.listdir(self.uri):
                fileio.copy(
                    os.path.join(self.uri, str(name)),
                    os.path.join(local, str(name)),
                )
            return FreightModel.load(local)

    def save(self, data: FreightModel) -> None:
        """Save the model locally, then copy it into the artifact store."""
        with self.get_temporary_directory(delete_at_exit=True) as local:
            data.save(local)
            for name in os.listdir(local):
                fileio.copy(
                    os.path.join(local, name),
                    os.path.join(self.uri, name),
                    overwrite=True,
                )

    def extract_metadata(self, data: FreightModel) -> dict[str, MetadataType]:
        """Record tree counts, features and calibration factors."""
        return {
            "point_tree_count": int(data.point.tree_count_),
            "quantile_tree_count": int(data.quantile.tree_count_),
            "feature_names": list(data.point.feature_names_),
            "sum_correction": float(data.sum_correction),
            "interval_offset": float(data.interval_offset),
        }
