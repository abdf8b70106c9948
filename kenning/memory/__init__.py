"""Storage: the SQLite index store, and decisions, tasks and session handoffs kept as Markdown files."""
