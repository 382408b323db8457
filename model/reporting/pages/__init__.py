"""The sections of each report page, as HTML for notebooks (one call per cell)."""
