"""Committee dashboards: selectors that turn filtered querysets into figures, tables and charts.

Each board module exposes `build(criteria) -> Board`; the views only render it,
and the CSV download reuses the same `Board.tables`, so a download is exactly
what the page shows.
"""
