"""``geoplan import --explain``: the field mapping an import would use, shown before anything is checked or written.

A planner with a new kind of file wants to see, first, which of its columns feed which catalogue field and why
(an explicit ``--field``, the preset, the field's name or label, a common synonym), what ``--set`` and the preset
fill in, which required fields would still be empty and which columns are left out — with the first rows' values
as they would be stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoplan.layers import LayerStore
from geoplan.transfer.fieldmap import build_field_map, load_preset, map_row
from geoplan.transfer.importer import ImportOptions
from geoplan.transfer.readers import read_source

#: Rows of the file shown as samples.
SAMPLE_ROWS = 3
#: How a column was matched, in both languages.
HOW: dict[str, tuple[str, str]] = {
    "field": ("--field 指定", "--field"),
    "preset": ("预设", "preset"),
    "name": ("字段名", "field name"),
    "shapefile": ("Shapefile 截断字段名", "Shapefile truncated name"),
    "label": ("中文/英文标题", "field label"),
    "synonym": ("常用列名", "common column name"),
    "set": ("--set", "--set"),
    "default": ("预设默认值/--status", "preset default/--status"),
}


@dataclass(frozen=True)
class FieldRow:
    """One catalogue field: where its value comes from and what the first rows give it."""

    field: str
    title: str
    required: bool
    sources: tuple[str, ...]
    how: str | None
    template: str | None
    samples: tuple[Any, ...]


@dataclass
class Explanation:
    layer: str
    source: str
    format: str
    rows: int
    fields: list[FieldRow]
    ignored: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        """Required fields nothing feeds: every row would fail on them."""
        return [f.field for f in self.fields if f.required and not f.sources and f.template is None]

    def how_text(self, row: FieldRow, lang: str = "zh") -> str:
        if row.how is None:
            return ""
        zh, en = HOW[row.how]
        return zh if lang == "zh" else en

    def summary(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-friendly form (the API's ``explain`` answer)."""
        return {
            "layer": self.layer,
            "source": self.source,
            "format": self.format,
            "rows": self.rows,
            "fields": [
                {
                    "field": f.field,
                    "title": f.title,
                    "required": f.required,
                    "columns": list(f.sources),
                    "matched_by": f.how,
                    "matched_by_text": self.how_text(f, lang),
                    "template": f.template,
                    "samples": list(f.samples),
                }
                for f in self.fields
            ],
            "ignored_columns": list(self.ignored),
            "missing_required": self.missing_required,
            "notes": self.notes,
        }


def explain_import(
    store: LayerStore, path: Path, options: ImportOptions, *, source_name: str | None = None, lang: str = "zh"
) -> Explanation:
    """The mapping :func:`~geoplan.transfer.plan_import` would use for ``path``; reads the file, writes nothing."""
    spec = store.spec(options.layer)
    source = read_source(Path(path), table=options.table, encoding=options.encoding)
    frame = source.frame
    preset = load_preset(options.preset) if options.preset else None
    fmap = build_field_map(spec, list(frame.columns), options.fields, preset, options.sets)
    if options.status is not None:
        fmap.defaults["status"] = options.status
    records = frame.drop(columns="geometry").head(SAMPLE_ROWS).to_dict("records")
    mapped = [map_row(store.catalogue, fmap, r) for r in records]
    rows = []
    for f in spec.fields:
        if f.readonly:
            continue
        sources = fmap.columns.get(f.name, ())
        template = fmap.sets.get(f.name, fmap.defaults.get(f.name))
        how = fmap.how.get(f.name) if sources else ("set" if f.name in fmap.sets else "default" if template else None)
        rows.append(
            FieldRow(
                field=f.name,
                title=f.title("en" if lang == "en" else "zh"),
                required=f.required,
                sources=sources,
                how=how,
                template=template,
                samples=tuple(m.get(f.name) for m in mapped),
            )
        )
    return Explanation(
        layer=spec.name,
        source=source_name or Path(path).name,
        format=source.format,
        rows=len(frame),
        fields=rows,
        ignored=fmap.ignored,
        notes=list(source.notes),
    )
