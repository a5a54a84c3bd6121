"""The build: load every input into a Site, render it to `{path: bytes}`, hand it to a writer."""

from sitegen.build.builder import Builder, BuildOptions, BuildResult, build_site

__all__ = ["BuildOptions", "BuildResult", "Builder", "build_site"]
