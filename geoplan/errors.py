"""Domain errors.  They know nothing of HTTP or exit codes: the API and CLI each map them in one table."""

from __future__ import annotations

from dataclasses import dataclass

from geoplan.messages import LOCATION, render


class GeoplanError(Exception):
    """Base of every error geoplan raises on purpose; its message is safe to show a user.

    The message is English; errors planners meet often also carry a Chinese one (``zh``), which :meth:`text` picks.
    """

    zh: str | None = None

    def text(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en"); English where no Chinese text exists."""
        return self.zh if lang == "zh" and self.zh else str(self)


class SettingsError(GeoplanError):
    """A setting from the environment has a value geoplan cannot use (e.g. GEOPLAN_LANG=fr)."""


class CatalogueError(GeoplanError):
    """The layer catalogue or a standards file is malformed."""


class NotFound(GeoplanError):
    """Something asked for by name or id does not exist (a layer, feature, version, change, village …)."""


class LayerNotFound(NotFound):
    def __init__(self, layer: str) -> None:
        super().__init__(f"unknown layer {layer!r}")
        self.zh = f"未知图层 {layer!r}"
        self.layer = layer


class FeatureNotFound(NotFound):
    def __init__(self, layer: str, feature_id: str) -> None:
        super().__init__(f"layer {layer}: no feature with id {feature_id!r}")
        self.zh = f"图层 {layer} 中没有编号为 {feature_id!r} 的要素"
        self.layer = layer
        self.feature_id = feature_id


class VersionNotFound(NotFound):
    def __init__(self, layer: str, feature_id: str, version: int) -> None:
        super().__init__(f"layer {layer}: feature {feature_id} has no recorded version {version}")
        self.zh = f"图层 {layer}:要素 {feature_id} 没有记录的版本 {version}"


class ChangeNotFound(NotFound):
    def __init__(self, change_id: str) -> None:
        super().__init__(f"no change {change_id!r} in the change log")
        self.zh = f"变更记录中没有 {change_id!r}"


@dataclass(frozen=True)
class Problem:
    """One validation problem, located precisely enough for a planner to fix it.

    ``message`` is English; ``code`` and ``params`` let :meth:`text` say the same in the planner's language.
    """

    layer: str
    feature: str | None
    field: str | None
    message: str
    row: int | None = None
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str = "zh") -> str:
        """The message alone, in ``lang`` ("zh" or "en")."""
        return render(self.code, dict(self.params), lang, self.message)

    def describe(self, lang: str = "zh") -> str:
        """Location and message in one line, in ``lang``."""
        loc = LOCATION["zh" if lang == "zh" else "en"]
        where = [self.layer]
        for key in ("row", "feature", "field"):
            value = getattr(self, key)
            if value is not None:
                where.append(loc[key].format(value))
        return f"{loc['sep'].join(where)}{loc['colon']}{self.text(lang)}"

    def __str__(self) -> str:
        return self.describe("en")


class ValidationFailed(GeoplanError):
    """A write (or a file) broke the catalogue's rules; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = str(problems[0]) if problems else "validation failed"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(head + more)


class FeatureExists(GeoplanError):
    """An insert named an id that the layer already has."""

    def __init__(self, layer: str, feature_id: str) -> None:
        super().__init__(f"layer {layer}: a feature with id {feature_id!r} already exists")
        self.zh = f"图层 {layer} 已有编号为 {feature_id!r} 的要素"


class VersionConflict(GeoplanError):
    """If-Match named a version that is no longer current."""

    def __init__(self, layer: str, feature_id: str, expected: str, current: str) -> None:
        super().__init__(
            f"layer {layer}: feature {feature_id} is at version {current}, not {expected}; reload and retry"
        )
        self.zh = f"图层 {layer}:要素 {feature_id} 当前为版本 {current},不是 {expected};请重新加载后再修改"
        self.current = current


class DataFileError(GeoplanError):
    """A layer file on disk cannot be read (not JSON, not a FeatureCollection)."""
