"""One router per resource: jobs, segments, the catalog (presets, venues, validate), health."""

from aleatoric.service.routers import catalog, health, jobs, segments

__all__ = ["catalog", "health", "jobs", "segments"]
