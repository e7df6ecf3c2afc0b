"""Graph -> numbers: cost, activation memory, compare, sweep and budgets."""
