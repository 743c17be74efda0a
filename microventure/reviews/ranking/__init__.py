"""The ranking of a call's applications (排名): aggregates, spread, normalised scores; its page and Excel export."""
