"""sitegen: a static-site generator for data explainers.

Markdown pages and data files in, a static site with Altair charts out.
"""

__version__ = "0.1.0"
