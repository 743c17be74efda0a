"""Running the site for years: backups and restores (backup.py, cli.py), the Prometheus
endpoint (metrics.py), one JSON log line per request and per task (logs.py), and optional error
reporting to a Sentry-compatible server (reporting.py)."""
