"""The venue's format options, if it has any (``venue_options.<name>`` in a config).

Options change native captures only, never canonical tables. Define the model in
``aleatoric/config/_parts.py`` (configs validate without importing encoders), add it as a
field of ``VenueOptions`` named after the venue, name it here and pass it to
``register_venue(..., options=Options)``; the encoder receives its fields as keyword
arguments. A venue without options deletes this file.
"""

from pydantic import BaseModel

__all__ = ["Options"]


class Options(BaseModel):
    """No options: the template's format has none."""
