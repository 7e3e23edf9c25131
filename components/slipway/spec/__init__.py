"""Service spec: the model, the file loader and the catalog checks."""

from .catalog import Catalog, load_catalog
from .errors import SpecError
from .loader import load_file, validate
from .service import ServiceSpec

__all__ = ["Catalog", "ServiceSpec", "SpecError", "load_catalog", "load_file", "validate"]
