"""``python -m geoplan``: the same command as the ``geoplan`` console script."""

from geoplan.cli.main import run

run()
