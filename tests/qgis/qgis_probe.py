"""Run by Debian's python3 with python3-qgis (not by pytest): open a project as QGIS does and describe it as JSON.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_probe.py PROJECT.qgs
"""

import json
import sys

from qgis.core import QgsApplication, QgsProject  # type: ignore[import-not-found]

app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
out = {"read": project.read(sys.argv[1]), "crs": project.crs().authid(), "layers": {}, "tree": []}
for layer in project.mapLayers().values():
    renderer = layer.renderer()
    info = {
        "valid": layer.isValid(),
        "title": layer.name(),
        "provider": layer.providerType(),
        "fields": [f.name() for f in layer.fields()],
        "aliases": {f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())},
        "count": layer.featureCount(),
        "renderer": renderer.type() if renderer else None,
        "labels": layer.labelsEnabled(),
    }
    if renderer is not None and renderer.type() == "categorizedSymbol":
        info["attr"] = renderer.classAttribute()
        info["categories"] = {c.value(): c.label() for c in renderer.categories()}
        props = {c.value(): c.symbol().symbolLayer(0).properties() for c in renderer.categories()}
        info["pens"] = {v: p.get("line_style") or p.get("outline_style") for v, p in props.items()}
    if renderer is not None and renderer.type() == "RuleRenderer":
        info["rules"] = {r.label(): [c.label() for c in r.children()] for r in renderer.rootRule().children()}
    out["layers"][layer.id()] = info
for group in project.layerTreeRoot().children():
    out["tree"].append([group.name(), [node.layerId() for node in group.findLayers()]])
print(json.dumps(out, ensure_ascii=False))
app.exitQgis()
