"""What replies are built from: knowledge-base passages, their search, the product map and the encoders.
Pure apart from `store` (the passages table) and reading packaged model files."""
