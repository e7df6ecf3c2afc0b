"""The spec: YAML text -> validated, located records."""
