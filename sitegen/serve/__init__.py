"""The dev server: build, serve from memory, watch, rebuild, and tell the open tabs."""

from sitegen.serve.server import ServeOptions, Server, serve

__all__ = ["ServeOptions", "Server", "serve"]
