"""Decisions: the funding line, recommendations, the public notice (公示) and objections."""
