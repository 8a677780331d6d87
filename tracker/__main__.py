"""Allow ``python -m tracker`` as well as the ``scaletrack`` console script."""

from tracker.cli import main

main()
