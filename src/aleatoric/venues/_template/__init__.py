"""A venue's wire format, as a template: copy this folder to add a venue.

1. Copy ``venues/_template/`` to ``venues/<name>/`` and replace ``template`` by ``<name>``
   (the ``register_venue`` call in ``encode.py``, the imports below, ``VENUE``).
2. Write the encoder (``encode.py``), the decoder (``decode.py``), the frame rules
   (``frames.py``) and, if the venue has format options, the options model (``options.py``,
   then a field of ``aleatoric.config.VenueOptions``).
3. Import the folder in ``venues/__init__.py``: importing it registers the venue.
4. Add its instruments to ``instruments/instruments.toml`` so that configs can name them.

``tests/test_venue_contract.py`` then holds the venue to the contract every registered venue
passes; ``tests/toy_venue/`` is this template copied and registered as ``toy``. This folder
is not imported by the package, so the template itself is never registered.
"""

from aleatoric.venues._template.decode import decode_message
from aleatoric.venues._template.encode import VENUE, Encoder

__all__ = ["VENUE", "Encoder", "decode_message"]
