"""What a sync did, in words, for the command line and the review app alike."""

from __future__ import annotations

from mlcards.ankisync.run import AnkiSyncReport, FullSync
from mlcards.visible import visible_line

_WHOLE = {
    FullSync.UPLOAD: " The whole collection went to the server.",
    FullSync.DOWNLOAD: " mlcards' Anki copy was replaced by the server's.",
}


def describe(report: AnkiSyncReport, url: str) -> str:
    whole = _WHOLE[report.full_sync] if report.full_sync else ""
    return (
        f"Synced with {visible_line(url)}: {report.answers_in} answer(s) from Anki taken in, {report.answers_out} sent; "
        f"{report.notes_added} new note(s), {report.notes_updated} updated; "
        f"{report.cards_rescheduled} card state(s) set from mlcards' schedule.{whole}"
    )


def describe_edited(report: AnkiSyncReport) -> str | None:
    """The notes edited in Anki whose text the YAML replaced, or None."""
    if not report.edited_in_anki:
        return None
    names = ", ".join(visible_line(ref) for ref in report.edited_in_anki)
    return (
        f"{len(report.edited_in_anki)} note(s) were edited in Anki: {names}. The YAML is the source of card text, so "
        "Anki now shows the YAML's text again; make such changes in the YAML file (the Ref field names the card)."
    )
