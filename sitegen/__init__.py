"""sitegen: a static-site generator for data explainers.

Markdown pages and data files in, a static site with Altair charts out. A data loader
computing rows from other rows imports `derive` from here (`from sitegen import derive`):
it is loaded on first use, so `import sitegen` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "derive"]


def __getattr__(name: str) -> Any:
    """`sitegen.derive` (`inputs.provenance.derive`), imported when first asked for."""
    if name == "derive":
        from sitegen.inputs import derive

        return derive
    raise AttributeError(f"module 'sitegen' has no attribute {name!r}")
