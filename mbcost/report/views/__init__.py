"""Views: a result (an analysis, a comparison, a sweep, checks, a verification) -> a Document. Views say
what a report holds; they never format for a particular output."""
