"""ZenML materializers for the project's own artifact types."""

from materializers.freight_model_materializer import FreightModelMaterializer
from materializers.png_image import PNGImage, PNGImageMaterializer

__all__ = ["FreightModelMaterializer", "PNGImage", "PNGImageMaterializer"]
