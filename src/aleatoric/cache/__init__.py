"""Content-addressed cache of segments and datasets."""

from aleatoric.cache._store import CacheEntry, CacheStore, default_cache_dir

__all__ = ["CacheEntry", "CacheStore", "default_cache_dir"]
