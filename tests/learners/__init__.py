"""Small NumPy learners the checker's own tests use as controls (``learners.<module>:<name>``)."""
