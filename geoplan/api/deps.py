"""Short dependency aliases for routes: settings, store, read model and the caller's role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from geoplan.api.auth import Principal, require
from geoplan.api.readmodel import ReadModel
from geoplan.config import Settings
from geoplan.layers.backend import Store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_readmodel(request: Request) -> ReadModel:
    return request.app.state.readmodel


def reader(request: Request) -> Principal | None:
    """Anyone when reads are open; else a viewer or planner token."""
    return require(request, "read")


def planner(request: Request) -> Principal:
    """A planner token (401 without a valid token, 403 with a viewer's)."""
    principal = require(request, "write")
    assert principal is not None  # require() raises for writes without a token
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ReadModelDep = Annotated[ReadModel, Depends(get_readmodel)]
ReaderDep = Annotated[Principal | None, Depends(reader)]
PlannerDep = Annotated[Principal, Depends(planner)]
