"""The statistics queries and ReviewSession.reload_content, on a real database."""

from __future__ import annotations

from datetime import date, timedelta

from tui_helpers import FIXED_NOW

from mlcards.config import Settings
from mlcards.review import Answer, ReviewSession
from mlcards.store import stats
from mlcards.store.counts import deck_counts
from mlcards.store.sync import sync

TODAY = date(2025, 3, 14)


def answer_all(collection, grades: list[Answer], now=FIXED_NOW, settings=None) -> ReviewSession:  # type: ignore[no-untyped-def]
    session = ReviewSession(collection.database, settings or collection.settings, now)
    for grade in grades:
        session.answer(grade, now)
    return session


def test_heatmap_counts_answers_per_study_day(collection) -> None:
    answer_all(collection, [Answer.EASY], now=FIXED_NOW - timedelta(days=3))
    answer_all(collection, [Answer.GOOD, Answer.GOOD])
    assert stats.review_heatmap(collection.database, TODAY) == {TODAY: 2, TODAY - timedelta(days=3): 1}


def test_forecast_puts_overdue_reviews_on_today(collection) -> None:
    with collection.database.transaction() as connection:
        connection.execute("UPDATE schedule SET due = '2025-03-10' WHERE id = 1")  # overdue
        connection.execute("UPDATE schedule SET due = '2025-03-15' WHERE id IN (2, 3)")
        connection.execute("UPDATE schedule SET due = '2025-04-20' WHERE id = 4")  # past the window
    forecast = stats.due_forecast(collection.database, TODAY)
    assert len(forecast) == 30
    assert forecast[:2] == [1, 2]
    assert sum(forecast) == 3


def test_forecast_counts_a_buried_prompt_on_the_day_it_comes_back_as_home_does(collection) -> None:
    with collection.database.transaction() as connection:
        connection.execute("UPDATE schedule SET due = '2025-03-10' WHERE id IN (1, 2)")  # both overdue
        connection.execute("UPDATE schedule SET buried_until = '2025-03-15' WHERE id = 2")  # one buried until tomorrow
    forecast = stats.due_forecast(collection.database, TODAY)
    home_due = sum(deck.due for deck in deck_counts(collection.database, TODAY))
    assert forecast[0] == home_due == 1
    assert forecast[1] == 1


def test_retention_splits_young_and_mature_reviews(collection) -> None:
    with collection.database.transaction() as connection:
        connection.execute("UPDATE schedule SET repetitions = 5, interval = 30, due = '2025-03-14' WHERE id = 1")
        connection.execute("UPDATE schedule SET repetitions = 2, interval = 6, due = '2025-03-14' WHERE id = 2")
    reviews_only = Settings(new_cards_per_day=0)
    answer_all(collection, [Answer.AGAIN, Answer.GOOD], settings=reviews_only)  # the mature card forgotten, the young one kept
    kept = stats.retention(collection.database, TODAY)
    assert (kept.mature_passed, kept.mature_total, kept.young_passed, kept.young_total) == (0, 1, 1, 1)
    assert kept.mature == 0.0 and kept.young == 1.0


def test_state_counts_cover_every_prompt(collection) -> None:
    session = answer_all(collection, [Answer.AGAIN, Answer.GOOD])
    session.suspend()
    counts = stats.state_counts(collection.database, TODAY)
    assert (counts.new, counts.learning, counts.young, counts.mature, counts.suspended, counts.buried) == (3, 1, 1, 0, 1, 0)
    assert counts.total == 6


def test_mastery_groups_by_the_top_two_deck_levels_weakest_first(collection) -> None:
    answer_all(collection, [Answer.GOOD])
    areas = stats.mastery_by_area(collection.database, TODAY)
    assert [area.area for area in areas] == ["ML::Generative Models", "ML::Face Recognition"]
    face = areas[1]
    assert (face.prompts, face.seen, face.mature) == (4, 1, 0)
    assert face.mastery == (1 / 21) / 4
    by_source = stats.mastery_by_area(collection.database, TODAY, by="source")
    assert {area.area for area in by_source} == {"GANs", "Softmax loss improvements"}


def test_reload_content_picks_up_an_edited_deck_without_touching_schedules(collection) -> None:
    session = ReviewSession(collection.database, collection.settings, FIXED_NOW)
    assert session.current is not None and session.current.front == "What is the target logit in CosFace?"
    deck = collection.roots[0] / "losses.yaml"
    deck.write_text(deck.read_text().replace("target logit in CosFace", "CosFace target logit"))
    assert sync(collection.database, collection.roots).ok
    session.reload_content()
    assert session.current.front == "What is the CosFace target logit?"
    assert session.remaining == 5


def test_reload_content_drops_cards_removed_from_their_deck(collection) -> None:
    session = ReviewSession(collection.database, collection.settings, FIXED_NOW)
    deck = collection.roots[0] / "gan.yaml"
    deck.write_text(deck.read_text().split("  - id: mode-collapse")[0])
    assert sync(collection.database, collection.roots).ok
    session.reload_content()
    assert "mode-collapse" not in [card.card_id for card in session._queue]
    assert session.remaining == 4
