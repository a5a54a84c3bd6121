"""Caches: what a build keeps on disk to skip work next time, each valid for one version of
sitegen's code, written atomically, and safe to delete."""

from sitegen.cache import stamps
from sitegen.cache.pages import PageCache
from sitegen.cache.renders import Reads, RenderCache, fingerprint
from sitegen.cache.store import atomic_write, code_fingerprint

__all__ = [
    "PageCache", "Reads", "RenderCache", "atomic_write", "code_fingerprint", "fingerprint",
    "stamps",
]
