"""The vocabulary: shapes and counts, width scaling, primitive ops and block kinds. Knows neither YAML nor the graph."""
