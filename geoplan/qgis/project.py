"""A QGIS project (.qgs) of the county: every catalogue layer, styled, grouped by theme, in CGCS2000.

Layers point either at a running geoplan server (QGIS's own OGC API – Features provider, so edits go through the
API's validation and change log) or at a GeoPackage exported beside the project (works offline, read as a file).
The project CRS is CGCS2000 (EPSG:4490), what Chinese planning offices map in; layers keep their WGS84 storage.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from pyproj import CRS
from pyproj.enums import WktVersion

from geoplan.layers.catalogue import Catalogue, Lang
from geoplan.qgis.qml import QGIS_GEOMETRY, style_elements

Provider = Literal["OAPIF", "ogr"]
PROJECT_CRS = "EPSG:4490"
LAYER_CRS = "EPSG:4326"


@dataclass(frozen=True)
class LayerSource:
    """Where QGIS reads one layer: provider key and data source string."""

    provider: Provider
    datasource: str


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def api_source(base_url: str, layer: str) -> LayerSource:
    """The layer as a collection of the geoplan API (QGIS's OAPIF provider)."""
    return LayerSource("OAPIF", f"url={_quote(base_url.rstrip('/'))} typename={_quote(layer)}")


def geopackage_source(path: str, layer: str) -> LayerSource:
    """The layer as a table of a GeoPackage (``path`` relative to the project file, e.g. ``./county.gpkg``)."""
    return LayerSource("ogr", f"{path}|layername={layer}")


def layer_id(layer: str) -> str:
    """A stable QGIS layer id (QGIS's own ids are name + uuid; any unique word works)."""
    return f"geoplan_{layer}"


def _srs(parent: ET.Element, authid: str) -> None:
    """A spatialrefsys as QGIS writes it: QGIS 3.22 takes the WKT first and ignores an authid alone."""
    crs = CRS.from_user_input(authid)
    srs = ET.SubElement(parent, "spatialrefsys", nativeFormat="Wkt")
    ET.SubElement(srs, "wkt").text = crs.to_wkt(WktVersion.WKT2_2019)
    ET.SubElement(srs, "srid").text = str(crs.to_epsg())
    ET.SubElement(srs, "authid").text = authid
    ET.SubElement(srs, "description").text = crs.name
    ET.SubElement(srs, "geographicflag").text = "true" if crs.is_geographic else "false"


def project_document(catalogue: Catalogue, sources: dict[str, LayerSource], title: str, lang: Lang = "zh") -> str:
    """The .qgs XML for ``sources`` (layer name → where to read it), in catalogue order within each theme."""
    root = ET.Element("qgis", projectname=title, version="3.22.0")
    ET.SubElement(root, "title").text = title
    _srs(ET.SubElement(root, "projectCrs"), PROJECT_CRS)
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    groups: dict[str, ET.Element] = {}
    layers = ET.SubElement(root, "projectlayers")
    # Reference layers (villages …) last in the tree, so they are drawn under the projects.
    ordered = sorted((catalogue.layer(n) for n in catalogue.names if n in sources), key=lambda s: s.kind == "reference")
    for spec in ordered:
        source = sources[spec.name]
        theme = catalogue.themes[spec.theme]
        if spec.theme not in groups:
            group_name = theme.zh if lang == "zh" else theme.en
            groups[spec.theme] = ET.SubElement(tree, "layer-tree-group", name=group_name, checked="Qt::Checked",
                                               expanded="1")  # fmt: skip
            ET.SubElement(groups[spec.theme], "customproperties")
        ET.SubElement(
            groups[spec.theme], "layer-tree-layer", id=layer_id(spec.name), name=spec.title(lang),
            checked="Qt::Checked", expanded="0", source=source.datasource, providerKey=source.provider,
        )  # fmt: skip
        layer = ET.SubElement(
            layers, "maplayer", type="vector", geometry=QGIS_GEOMETRY[spec.geometry],
            labelsEnabled="1" if spec.has_field("name") else "0", styleCategories="AllStyleCategories",
        )  # fmt: skip
        ET.SubElement(layer, "id").text = layer_id(spec.name)
        ET.SubElement(layer, "datasource").text = source.datasource
        ET.SubElement(layer, "layername").text = spec.title(lang)
        _srs(ET.SubElement(layer, "srs"), LAYER_CRS)
        ET.SubElement(layer, "provider", encoding="UTF-8").text = source.provider
        layer.extend(style_elements(catalogue, spec, lang))
    properties = ET.SubElement(root, "properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"  # the GeoPackage travels with the project
    # QGIS 3.22 reads <projectCrs> only when the project says it uses projections at all
    ET.SubElement(ET.SubElement(properties, "SpatialRefSys"), "ProjectionsEnabled", type="int").text = "1"
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")
