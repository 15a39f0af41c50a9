"""The shipped catalogue's plain layer list (what ``geoplan layers``/``changes`` read) says what its models say."""

from __future__ import annotations

import pytest

from geoplan.errors import LayerNotFound
from geoplan.layers.catalogue import default_catalogue
from geoplan.layers.listing import shipped_layers


def test_every_layer_has_the_models_name_titles_and_geometry_types():
    models = default_catalogue()
    listed = shipped_layers()
    assert listed.names == models.names
    for spec in models.layers:
        entry = listed.layer(spec.name)
        assert (entry.title("zh"), entry.title("en")) == (spec.title("zh"), spec.title("en"))
        assert entry.geometry_types == spec.geometry_types
    assert listed.layer("buildings").geometry_types == ("Polygon", "MultiPolygon", "Point", "MultiPoint")


def test_an_unknown_layer_is_refused_as_by_the_catalogue():
    with pytest.raises(LayerNotFound):
        shipped_layers().layer("no_such_layer")
