"""The entry point the CLI calls: open the app on a collection, optionally straight into a review."""

from __future__ import annotations

from mlcards.collection import Collection
from mlcards.decks.problems import Problem
from mlcards.review import ReviewFilter


def run_review(collection: Collection, deck: str | None, tags: tuple[str, ...], cram: bool, sync_problems: list[Problem]) -> int:
    """Home screen, or a review right away when a deck, tag or cram was asked for; the exit status."""
    from mlcards.tui.app import MLCardsApp  # Textual loads only when the UI is used

    app = MLCardsApp(
        collection,
        review_filter=ReviewFilter(deck=deck, tags=tags),
        cram=cram,
        start_in_review=bool(deck or tags or cram),
        sync_problems=sync_problems,
    )
    app.run()
    return app.return_code or 0
