"""HTML views of the API's resources (``f=html``), rendered with Jinja2 templates shipped in the package."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("geoplan.api", "templates"), autoescape=select_autoescape())


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env().get_template(template).render(**context), status_code=status)
