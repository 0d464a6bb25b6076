"""HTTP constants shared without importing the HTTP stack (requests loads in 0.15 s)."""

DEFAULT_TIMEOUT = (5.0, 30.0)
