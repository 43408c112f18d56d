"""The model: the Mesa model, its state as arrays, what it steps each month, what it observes."""
