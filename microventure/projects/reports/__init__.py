"""Mid-term and final reports (中期 / 结项报告) and the expenditures they declare."""
