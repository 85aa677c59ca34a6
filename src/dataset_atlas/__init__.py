"""Dataset Atlas: browse NCDC and STAC dataset catalogs on a map, offline."""

from dataset_atlas.errors import AtlasError

__all__ = ["AtlasError", "__version__"]
__version__ = "0.1.0"
