"""The PostGIS schema, generated from the catalogue: one table per layer, the change log, and the triggers.

Every statement is idempotent, so ``geoplan db init`` both creates a database and migrates it when the catalogue
grows (a deployment adds an enum value, a field, a geometry family, a layer): tables and columns are added,
check constraints and functions are replaced.  Nothing is ever dropped or narrowed — data valid under the
old catalogue stays valid.

What SQL alone can check is a constraint (required, enum values, ranges, lengths, patterns, geometry types), so
a planner editing in QGIS gets the same refusals as the API.  Triggers keep every direct edit inside the store's
rules: ``version`` and ``updated_at`` move on, and the change log gets the feature before and after, so
``geoplan history``, ``restore`` and ``undo`` see QGIS edits like any other.
"""

from __future__ import annotations

from geoplan.layers.catalogue import Catalogue, FieldSpec, LayerSpec

#: The geometry column of every layer table (EPSG:4326, like the GeoJSON files).
GEOM = "geom"
#: Insertion order of features (the order a layer file keeps them in); keyset paging walks it.
ORDER = "row_order"
#: Table of layers: revision (bumped by every statement that writes the layer) and survey declaration.
LAYERS_TABLE = "geoplan_layers"
#: The change log: append-only, one row per feature changed (and per survey declaration).
CHANGES_TABLE = "geoplan_changes"
#: Fields json_build_object can take in one call (100 arguments, two per field, two spare).
_MAX_ORDERED_FIELDS = 49

SQL_TYPES = {
    "string": "text",
    "integer": "bigint",
    "number": "double precision",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamptz",
}
#: How a datetime is written in the GeoJSON (the store's UTC, whole seconds).
DATETIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'


def ident(name: str) -> str:
    """A quoted SQL identifier (catalogue names are plain words; quoting keeps a reserved word harmless)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value_sql(f: FieldSpec, column: str) -> str:
    """SQL for a field's JSON value, as the GeoJSON file would hold it."""
    if f.type == "datetime":
        return f"to_char({column} AT TIME ZONE 'UTC', {literal(DATETIME_FORMAT)})"
    if f.type == "date":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return column


def feature_function(spec: LayerSpec) -> str:
    """``geoplan_feature_<layer>(row) -> json``: the row as the GeoJSON Feature the file store would hold.

    Used by the triggers (before/after of the change log) and by whole-layer reads, so both agree exactly.
    """
    pairs = [f"{literal(f.name)}, {value_sql(f, 'r.' + ident(f.name))}" for f in spec.fields]
    if len(pairs) <= _MAX_ORDERED_FIELDS:  # json keeps the catalogue's order; jsonb would sort the keys
        props = f"json_strip_nulls(json_build_object({', '.join(pairs)}))"
    else:
        chunks = [pairs[i : i + _MAX_ORDERED_FIELDS] for i in range(0, len(pairs), _MAX_ORDERED_FIELDS)]
        props = "jsonb_strip_nulls(" + " || ".join(f"jsonb_build_object({', '.join(c)})" for c in chunks) + ")::json"
    name = ident(f"geoplan_feature_{spec.name}")
    return f"""
CREATE OR REPLACE FUNCTION {name}(r {ident(spec.name)}) RETURNS json LANGUAGE sql STABLE AS $fn$
  SELECT json_build_object('type', 'Feature', 'id', r.id, 'geometry', ST_AsGeoJSON(r.{GEOM}, 7)::json,
                           'properties', {props})
$fn$;"""


def _constraints(catalogue: Catalogue, spec: LayerSpec) -> list[tuple[str, str]]:
    """(name, CHECK expression) for everything SQL can check about a layer's rows."""
    out: list[tuple[str, str]] = []
    for f in spec.fields:
        col = ident(f.name)
        checks: list[str] = []
        if f.enum is not None:
            values = ", ".join(literal(v) for v in catalogue.enum_values(f.enum))
            checks.append(f"{col} IN ({values})")
        if f.max_length is not None:
            checks.append(f"char_length({col}) <= {int(f.max_length)}")
        if f.pattern is not None:
            checks.append(f"{col} ~ {literal(f.pattern)}")
        if f.minimum is not None:
            checks.append(f"{col} >= {f.minimum!r}")
        if f.maximum is not None:
            checks.append(f"{col} <= {f.maximum!r}")
        for i, check in enumerate(checks):
            out.append((f"{spec.name}_{f.name}_check{i}", check))
    kinds = ", ".join(literal(t.upper()) for t in spec.geometry_types)
    out.append((f"{spec.name}_geometry_type", f"GeometryType({GEOM}) IN ({kinds})"))
    return out


BASE_SQL = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE IF NOT EXISTS {LAYERS_TABLE} (
  layer text PRIMARY KEY,
  revision bigint NOT NULL DEFAULT 0,
  surveyed jsonb
);
COMMENT ON TABLE {LAYERS_TABLE} IS '图层 Layers: revision (bumped by every write) and survey declaration';
CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (
  seq bigserial PRIMARY KEY,
  change text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  op text NOT NULL,
  layer text NOT NULL,
  fid text,
  before jsonb,
  after jsonb,
  message text
);
COMMENT ON TABLE {CHANGES_TABLE} IS '变更记录 Change log (append-only): each feature before and after every change';
CREATE INDEX IF NOT EXISTS {CHANGES_TABLE}_feature ON {CHANGES_TABLE} (layer, fid);
CREATE INDEX IF NOT EXISTS {CHANGES_TABLE}_change ON {CHANGES_TABLE} (change);

CREATE OR REPLACE FUNCTION geoplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the change log is append-only (% refused)', TG_OP;
END $fn$;
DROP TRIGGER IF EXISTS append_only ON {CHANGES_TABLE};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {CHANGES_TABLE}
  FOR EACH STATEMENT EXECUTE FUNCTION geoplan_append_only();

-- The change a row trigger records: the store's (set for its transaction), else one per SQL transaction.
CREATE OR REPLACE FUNCTION geoplan_change_id() RETURNS text LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(nullif(current_setting('geoplan.change', true), ''),
                  to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISSUS') || '-'
                  || substr(md5(txid_current()::text), 1, 6))
$fn$;

-- Before each row: a direct edit (QGIS, psql) moves version and updated_at on, as the store does.
CREATE OR REPLACE FUNCTION geoplan_stamp() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  managed boolean := coalesce(current_setting('geoplan.change', true), '') <> '';
BEGIN
  IF current_setting('geoplan.op', true) = 'load' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF NOT managed AND NEW IS NOT DISTINCT FROM OLD THEN
      RETURN NULL;  -- a client saving an unchanged row is no change
    END IF;
    NEW.version := OLD.version + 1;
  ELSIF NOT managed THEN
    NEW.version := 1;
  END IF;
  IF NOT managed THEN
    NEW.updated_at := date_trunc('second', now());
  END IF;
  RETURN NEW;
END $fn$;

-- Before each statement: the layer's revision moves on (caches of every process compare it), and the
-- layer's row is locked first, so writers of one layer queue in one order (store and QGIS alike).
CREATE OR REPLACE FUNCTION geoplan_revision() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE {LAYERS_TABLE} SET revision = revision + 1 WHERE layer = TG_ARGV[0];
  RETURN NULL;
END $fn$;
"""


def layer_sql(catalogue: Catalogue, spec: LayerSpec) -> str:
    """Create or migrate one layer's table, constraints, comments, indexes, functions and triggers."""
    t = ident(spec.name)
    prefix = literal(spec.id_prefix + "-")
    cols = [
        f"id text PRIMARY KEY DEFAULT ({prefix} || substr(md5(random()::text), 1, 8))",
        f"{ORDER} bigserial",
        f"{GEOM} geometry(Geometry, 4326) NOT NULL",
    ]
    lines = [f"CREATE TABLE IF NOT EXISTS {t} ({', '.join(cols)});"]
    for f in spec.fields:
        sql_type = SQL_TYPES[f.type]
        default = ""
        if f.name == "version":
            default = " NOT NULL DEFAULT 1"
        elif f.name == "updated_at":
            default = " NOT NULL DEFAULT date_trunc('second', now())"
        lines.append(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {ident(f.name)} {sql_type}{default};")
        if f.required and not f.readonly:
            lines.append(f"ALTER TABLE {t} ALTER COLUMN {ident(f.name)} SET NOT NULL;")
        comment = f"{f.zh} {f.en}" + (f"({f.unit})" if f.unit else "")
        lines.append(f"COMMENT ON COLUMN {t}.{ident(f.name)} IS {literal(comment)};")
    lines.append(f"COMMENT ON TABLE {t} IS {literal(f'{spec.zh} {spec.en}')};")
    lines.append(f"COMMENT ON COLUMN {t}.{GEOM} IS {literal('几何(WGS84) Geometry (EPSG:4326)')};")
    lines.append(f"COMMENT ON COLUMN {t}.{ORDER} IS {literal('录入顺序 Insertion order')};")
    for name, check in _constraints(catalogue, spec):
        lines.append(f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {ident(name)};")
        lines.append(f"ALTER TABLE {t} ADD CONSTRAINT {ident(name)} CHECK ({check});")
    lines.append(f"CREATE INDEX IF NOT EXISTS {ident(spec.name + '_geom')} ON {t} USING gist ({GEOM});")
    lines.append(f"CREATE INDEX IF NOT EXISTS {ident(spec.name + '_order')} ON {t} ({ORDER});")
    lines.append(f"INSERT INTO {LAYERS_TABLE} (layer) VALUES ({literal(spec.name)}) ON CONFLICT (layer) DO NOTHING;")
    lines.append(feature_function(spec))
    feature = ident(f"geoplan_feature_{spec.name}")
    log_fn = ident(f"geoplan_log_{spec.name}")
    lines.append(f"""
CREATE OR REPLACE FUNCTION {log_fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF current_setting('geoplan.op', true) = 'load' THEN
    RETURN NULL;
  END IF;
  INSERT INTO {CHANGES_TABLE} (change, actor, op, layer, fid, before, after, message)
  VALUES (geoplan_change_id(),
          CASE WHEN coalesce(current_setting('geoplan.change', true), '') <> ''
               THEN nullif(current_setting('geoplan.actor', true), '')
               ELSE session_user END,
          coalesce(nullif(current_setting('geoplan.op', true), ''), 'sql'),
          {literal(spec.name)},
          CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
          CASE WHEN TG_OP <> 'INSERT' THEN {feature}(OLD)::jsonb END,
          CASE WHEN TG_OP <> 'DELETE' THEN {feature}(NEW)::jsonb END,
          nullif(current_setting('geoplan.message', true), ''));
  RETURN NULL;
END $fn$;""")
    lines += [
        f"DROP TRIGGER IF EXISTS geoplan_revision ON {t};",
        f"CREATE TRIGGER geoplan_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION geoplan_revision({literal(spec.name)});",
        f"DROP TRIGGER IF EXISTS geoplan_stamp ON {t};",
        f"CREATE TRIGGER geoplan_stamp BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION geoplan_stamp();",
        f"DROP TRIGGER IF EXISTS geoplan_log ON {t};",
        f"CREATE TRIGGER geoplan_log AFTER INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {log_fn}();",
    ]
    return "\n".join(lines)


def schema_sql(catalogue: Catalogue) -> str:
    """The whole schema for a catalogue (idempotent: creates, or migrates to, this catalogue)."""
    return BASE_SQL + "\n".join(layer_sql(catalogue, spec) for spec in catalogue.layers)
