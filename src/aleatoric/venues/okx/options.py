"""OKX native output options (``venue_options.okx`` in a config).

The model lives with the config (:class:`aleatoric.config.OkxOptions`) so that configs
validate without importing the encoders; this module names it for the venue folder.
"""

from aleatoric.config import OkxOptions as Options

__all__ = ["Options"]
