"""Allow ``python -m aleatoric.cli``."""

from aleatoric.cli import main

main()
