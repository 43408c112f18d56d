"""Studies: many runs of the model compared, swept, tested against theory and history."""
