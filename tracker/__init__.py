"""scaletrack: track how an innovation scales against a published scaling framework.

The package is layered so that each layer only imports the ones below it:
``cli`` -> ``report``/``charts`` -> ``analysis`` -> ``store`` -> ``catalog``.
"""

__version__ = "0.1.0"
