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
        f"{report.notes_added} new note(s), {report.notes_updated} updated{_structural(report)}; "
        f"{report.cards_rescheduled} card state(s) set from mlcards' schedule.{whole}"
    )


def _structural(report: AnkiSyncReport) -> str:
    """Notes moved, replaced or removed, when there were any (a plain sync has none)."""
    parts = [
        f"{report.notes_moved} moved to another deck" if report.notes_moved else "",
        f"{report.notes_retyped} replaced by a note of the card's new type (basic/cloze)" if report.notes_retyped else "",
        f"{report.notes_removed} removed (their cards are gone from the YAML)" if report.notes_removed else "",
        f"{report.decks_renamed} deck(s) renamed as in the YAML" if report.decks_renamed else "",
        f"{report.deletions_removed} card(s) of cloze deletions gone from the YAML removed" if report.deletions_removed else "",
    ]
    return "".join(f", {part}" for part in parts if part)


def describe_edited(report: AnkiSyncReport) -> str | None:
    """The notes edited in Anki whose text the YAML replaced, or None."""
    if not report.edited_in_anki:
        return None
    names = ", ".join(visible_line(ref) for ref in report.edited_in_anki)
    return (
        f"{len(report.edited_in_anki)} note(s) were edited in Anki: {names}. The YAML is the source of card text, so "
        "Anki now shows the YAML's text again; make such changes in the YAML file (the Ref field names the card)."
    )
