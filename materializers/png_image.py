"""A PNG image artifact that the ZenML dashboard shows as a picture."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from zenml.enums import ArtifactType, VisualizationType
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer

PNG_FILE = "image.png"


class PNGImage(bytes):
    """The bytes of one PNG file."""


class PNGImageMaterializer(BaseMaterializer):
    """Store a PNGImage as a .png file and expose it as a visualization."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (PNGImage,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = (
        ArtifactType.DATA_ANALYSIS
    )

    def load(self, data_type: type[Any]) -> PNGImage:
        with fileio.open(os.path.join(self.uri, PNG_FILE), "rb") as file:
            return PNGImage(file.read())

    def save(self, data: PNGImage) -> None:
        with fileio.open(os.path.join(self.uri, PNG_FILE), "wb") as file:
            file.write(bytes(data))

    def save_visualizations(
        self, data: PNGImage
    ) -> dict[str, VisualizationType]:
        return {os.path.join(self.uri, PNG_FILE): VisualizationType.IMAGE}
