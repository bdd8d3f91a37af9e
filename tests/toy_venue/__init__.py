"""A toy venue: ``venues/_template/`` copied and registered as ``toy`` (tests only).

Made as docs/venues/adding.md says; ``tests/test_venue_contract.py`` holds it to the venue
contract like the built-in venues. Importing this package registers it.
"""

from tests.toy_venue.decode import decode_message
from tests.toy_venue.encode import VENUE, Encoder

__all__ = ["VENUE", "Encoder", "decode_message"]
