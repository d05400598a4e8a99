"""The `deskhand` command, one module per command group (`main` is the entry point)."""
from app.cli.main import main

__all__ = ["main"]
