"""Content-addressed cache of segments and datasets."""

from aleatoric.cache._store import (
    DEFAULT_MAX_SIZE,
    DEFAULT_WARN_SIZE,
    CacheCorruptionWarning,
    CacheEntry,
    CacheGrowthWarning,
    CacheStore,
    default_cache_dir,
    parse_size,
)

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_WARN_SIZE",
    "CacheCorruptionWarning",
    "CacheEntry",
    "CacheGrowthWarning",
    "CacheStore",
    "default_cache_dir",
    "parse_size",
]
