"""QGIS as a client: layer styles (QML) and county projects (.qgs) generated from the catalogue."""
