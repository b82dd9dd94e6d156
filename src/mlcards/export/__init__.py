"""Exports of the collection to other tools (Anki packages)."""

from mlcards.export.anki import ExportReport, export_anki_package
from mlcards.store.selection import ExportError

__all__ = ["ExportError", "ExportReport", "export_anki_package"]
