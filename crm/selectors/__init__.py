"""Reads shared by pages, exports and dashboards, one module per area."""
