"""Schema of the street (街道): its grid of cells, communities, grids, roads and merchants."""

from __future__ import annotations

from pydantic import Field, model_validator

from model.config.section import Section


class StreetConfig(Section):
    """The street (街道): a grid of square cells split into communities and grids."""

    cells_x: int = Field(60, ge=4, le=400, description="grid width in cells")
    cells_y: int = Field(60, ge=4, le=400, description="grid height in cells")
    cell_size_m: float = Field(50.0, gt=0, description="cell side in metres (assumption)")
    communities_x: int = Field(3, ge=1, le=20, description="communities (社区) across")
    communities_y: int = Field(3, ge=1, le=20, description="communities (社区) down")
    grids_per_community_side: int = Field(
        2, ge=1, le=10, description="grids (网格) per community side; 2 -> 4 grids each"
    )
    road_spacing_cells: int = Field(
        4, ge=2, le=50, description="a road every N cells (200 m blocks; assumption)"
    )
    merchant_cell_share: float = Field(
        0.12, ge=0, le=1, description="share of road cells with merchants (assumption)"
    )
    commercial_centres: int = Field(
        3, ge=1, le=50, description="number of commercial hot spots (assumption)"
    )

    @model_validator(mode="after")
    def _communities_fit(self) -> StreetConfig:
        if self.cells_x < self.communities_x or self.cells_y < self.communities_y:
            raise ValueError("the street has fewer cells than communities")
        return self
