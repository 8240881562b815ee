"""Response bodies of the plots resource."""

from __future__ import annotations

from pydantic import BaseModel


class PlotFile(BaseModel):
    trial: int
    name: str
    url: str
    size_bytes: int


class PlotList(BaseModel):
    plots: list[PlotFile]
