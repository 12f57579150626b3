"""carestats: children's social care statistics for England, from published files to reports."""

__version__ = "0.1.0"
