"""Cross-cutting pieces every feature uses: config, models base, money, time, audit, policy."""
