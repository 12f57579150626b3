"""The carestats command line (Typer): `commands.app` holds the commands, `main` is the entry point."""

import os

# NumPy's OpenBLAS (loaded with Polars and Arrow) starts a thread per core that spins for a while after
# it starts and after every call; carestats does no linear algebra, so the spinning only takes CPU from
# the build (about 0.15 s of a 2-core build's 5). Set before anything loads NumPy; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from carestats.cli.commands import main

__all__ = ["main"]
