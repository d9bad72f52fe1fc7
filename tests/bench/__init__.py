"""Speed, load and fault scripts run by `make bench` (not pytest tests)."""
