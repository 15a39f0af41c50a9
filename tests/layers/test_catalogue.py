from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from geoplan.errors import CatalogueError, LayerNotFound
from geoplan.layers.catalogue import parse_catalogue

REQUIRED_LAYERS = {
    "villages": ("polygon",),
    "settlements": ("point",),
    "buildings": ("polygon", "point"),  # footprints or a survey's house points
    "roads": ("line",),
    "reservoirs": ("point", "polygon"),  # the dam or the water surface
    "water_networks": ("line",),
    "housing_repairs": ("point",),
    "eco_villages": ("polygon",),
    "tourism_routes": ("line",),
    "facilities": ("point",),
    "sewage_networks": ("line",),
    "water_bodies": ("polygon",),
    "utility_lines": ("line",),
    "farmland_projects": ("polygon",),
}
PROJECT_FIELDS = {"name", "status", "year", "village_code", "budget_wan", "updated_at", "version"}


def raw_catalogue() -> dict:
    text = resources.files("geoplan.layers").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_every_layer_of_the_brief_is_declared_with_its_geometry(catalogue):
    assert {name: catalogue.layer(name).families for name in catalogue.names} == REQUIRED_LAYERS


def test_project_layers_carry_the_common_project_fields(catalogue):
    for spec in catalogue.layers:
        if spec.kind == "project":
            assert PROJECT_FIELDS <= set(spec.field_names), spec.name
            assert spec.field("status").enum == "status"
            assert spec.field("name").required and spec.field("status").required


def test_every_label_exists_in_both_languages(catalogue):
    for spec in catalogue.layers:
        assert spec.title("zh") and spec.title("en") and spec.title("zh") != spec.title("en")
        for f in spec.fields:
            assert f.title("zh") and f.title("en")
    assert catalogue.enum_label("road_class", "provincial", "zh") == "省道"
    assert catalogue.enum_label("road_class", "provincial", "en") == "Provincial road"


def test_json_schema_drives_required_enum_and_unknown_fields(catalogue):
    schema = catalogue.json_schema("roads")
    assert schema["additionalProperties"] is False
    assert {"name", "status", "road_class", "surface"} <= set(schema["required"])
    assert "version" not in schema["required"]  # read-only, set by the store
    assert schema["properties"]["road_class"]["enum"][:6] == [
        "national",
        "provincial",
        "county",
        "township",
        "village",
        "group",
    ]
    assert schema["properties"]["budget_wan"]["x-unit"] == "万元"


def test_unknown_layer_is_a_domain_error(catalogue):
    with pytest.raises(LayerNotFound):
        catalogue.layer("bridges")


def test_a_field_naming_an_unknown_enum_is_rejected():
    data = copy.deepcopy(raw_catalogue())
    data["layer"][0]["fields"][0]["enum"] = "no_such_enum"
    with pytest.raises(CatalogueError, match="unknown enum"):
        parse_catalogue(data)


def test_a_duplicated_field_is_rejected():
    data = copy.deepcopy(raw_catalogue())
    roads = next(layer for layer in data["layer"] if layer["name"] == "roads")
    roads["fields"].append(dict(roads["fields"][0]))
    with pytest.raises(CatalogueError, match="declared twice"):
        parse_catalogue(data)
