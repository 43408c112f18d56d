"""Reports: tidy tables and atomic file writes, figures, the story in words, provenance."""
