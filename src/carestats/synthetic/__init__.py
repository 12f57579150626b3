"""Synthetic inputs that look like the real ones: seeded, deterministic, with no real child in them."""
