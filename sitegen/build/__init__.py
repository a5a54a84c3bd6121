"""The build: load every input into a Site, render it to `{path: bytes}`, hand it to a writer."""

from sitegen.build.builder import Builder, BuildOptions, BuildResult, build_site
from sitegen.build.handtyped import FigureCheck, check_site

__all__ = ["BuildOptions", "BuildResult", "Builder", "FigureCheck", "build_site", "check_site"]
