"""Front doors: the `aigov` Hydra app; the other commands keep `main` beside what they run."""
