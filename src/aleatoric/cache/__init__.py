"""Content-addressed cache of segments and datasets."""

from aleatoric.cache._store import (
    CacheCorruptionWarning,
    CacheEntry,
    CacheStore,
    default_cache_dir,
)

__all__ = ["CacheCorruptionWarning", "CacheEntry", "CacheStore", "default_cache_dir"]
