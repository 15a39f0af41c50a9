"""geoplan's own map stylesheet and scripts (inlined into every map page); a package so they ship with geoplan."""
