"""The carestats command line (Typer): `commands.app` holds the commands, `main` is the entry point."""

from carestats.cli.commands import main

__all__ = ["main"]
