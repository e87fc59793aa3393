"""Keel's own tooling model, shared by scripts/ and tests/ (never copied into a project)."""
