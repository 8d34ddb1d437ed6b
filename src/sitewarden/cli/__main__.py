"""``python -m sitewarden.cli``."""

from sitewarden.cli import main

main()
