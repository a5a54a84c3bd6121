"""Caches: what a build keeps on disk to skip work next time, each valid for one version of
sitegen's code, written atomically, and safe to delete: per site in `.sitegen-cache/`, and per
user (what depends only on library versions, shared by every site) in `UserCache`."""

from sitegen.cache import stamps
from sitegen.cache.loaders import LoaderCache, LoaderEntry
from sitegen.cache.pages import PageCache
from sitegen.cache.renders import Reads, RenderCache, fingerprint
from sitegen.cache.store import atomic_write, code_fingerprint
from sitegen.cache.user import UserCache, user_cache_dir

__all__ = [
    "LoaderCache", "LoaderEntry", "PageCache", "Reads", "RenderCache", "UserCache",
    "atomic_write", "code_fingerprint", "fingerprint", "stamps", "user_cache_dir",
]
