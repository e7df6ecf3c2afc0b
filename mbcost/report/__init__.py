"""Results -> what a user reads: rich tables, JSON, CSV, markdown and GitHub annotations."""
