"""The version of the slipway-components distribution: written here and nowhere else.

Semantic versioning over the public API (`slipway.__all__`) and the resource-name contract
(docs/publishing.md): pyproject.toml reads it for the wheel, `slipway.__version__` for code.
"""

__version__ = "1.0.0"
