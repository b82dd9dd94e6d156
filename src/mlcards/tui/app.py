"""The Textual application: screens, app-wide bindings, themes and command palette entries."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

from rich.text import Text
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from mlcards.collection import Collection
from mlcards.config import ConfigError, save_plan_settings, save_setting
from mlcards.decks.problems import Problem
from mlcards.paths import shipped_decks_dir
from mlcards.review import AHEAD_DAYS, ReviewFilter, ReviewSession
from mlcards.store.errors import DatabaseError, explain
from mlcards.store.history import RebuildReport
from mlcards.store.sync import SyncReport
from mlcards.tui.home import HomeScreen
from mlcards.visible import visible, visible_line
from mlcards.wording import counted

NOT_SAVED_EXIT_CODE = 3  # the CLI's "database cannot be used as it is"
EXTRA_NEW_DEFAULT = 10  # offered when asking how many more new prompts to learn today
EXTRA_NEW_MOST = 1_000
AHEAD_DAYS_MOST = 365
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class MLCardsApp(App[None]):
    """Home, review, browse, stats and help over one collection."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    TITLE = "mlcards"
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),  # cut off the footer at 80 columns; ? and the palette list it
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),  # q or Esc are shown on each screen; ? lists it
    ]

    def __init__(
        self,
        collection: Collection,
        *,
        review_filter: ReviewFilter | None = None,
        cram: bool = False,
        extra_new: int = 0,
        ahead_days: int = 0,
        start_in_review: bool = False,
        sync_problems: Sequence[Problem] = (),
        now: datetime | None = None,
        theme: str | None = None,
        sync_on_edit: Callable[[], SyncReport] | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.initial_filter = review_filter or ReviewFilter()
        self.initial_cram = cram
        self.initial_extra_new = extra_new
        self.initial_ahead_days = ahead_days
        self.start_in_review = start_in_review
        self.sync_problems = list(sync_problems)
        self._fixed_now = now  # tests and snapshots pin the clock here
        self.theme = theme or (LIGHT_THEME if collection.settings.theme == "light" else DARK_THEME)
        self.sync_after_edit = sync_on_edit or collection.sync
        self.on_card_rendered: Callable[[], None] | None = None  # a hook for the benchmark
        self.not_saved: str | None = None  # why the app ended with a write refused, as printed on exit
        self.last_card_target: Path | None = None  # the deck file the last new card went into

    # --- time ----------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._fixed_now if self._fixed_now is not None else datetime.now().astimezone()

    def today(self) -> date:
        return self.collection.today(self.now())

    # --- screens -------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[None]:
        return HomeScreen()

    def on_mount(self) -> None:
        if self.sync_problems:
            first = self.sync_problems[0]
            self.notify(
                f"{len(self.sync_problems)} problem(s) in deck files; the last good version is kept.\n{first}",
                title="Deck problems",
                severity="warning",
                timeout=15,
            )
        if self.start_in_review:
            self.start_review(
                self.initial_filter, cram=self.initial_cram, extra_new=self.initial_extra_new, ahead_days=self.initial_ahead_days
            )

    def start_review(self, review_filter: ReviewFilter, cram: bool = False, extra_new: int = 0, ahead_days: int = 0) -> bool:
        """Open a review of the filtered cards, with `extra_new` new prompts beyond today's limit or
        reviews due in the next `ahead_days` days; False (with a notice) when there is nothing to review."""
        from mlcards.tui.review import ReviewScreen

        session = ReviewSession(
            self.collection.database,
            self.collection.settings,
            self.now(),
            review_filter,
            cram=cram,
            extra_new=extra_new,
            ahead_days=ahead_days,
        )
        if session.current is None:
            where = review_filter.deck or "any deck"
            if review_filter.tags:
                where += " with tag " + ", ".join(review_filter.tags)
            self.notify(_nothing_to_review(session, where), title="All done")
            return False
        self.push_screen(ReviewScreen(session))
        return True

    def ask_more_new(self, review_filter: ReviewFilter) -> None:
        """Ask how many new prompts beyond today's limit, then study them (they count as today's)."""
        from mlcards.tui.ask_number import AskNumber

        where = f" from {review_filter.deck}" if review_filter.deck else ""
        question = f"How many more new prompts{where} today? They count as today's new prompts."

        def study(count: int | None) -> None:
            if count:
                self._leave_finished_review()
                self.start_review(review_filter, extra_new=count)

        self.push_screen(AskNumber(visible_line(question), EXTRA_NEW_DEFAULT, EXTRA_NEW_MOST), study)

    def ask_review_ahead(self, review_filter: ReviewFilter) -> None:
        """Ask how many days ahead, then review what comes due by then, earliest first."""
        from mlcards.tui.ask_number import AskNumber

        where = f" in {review_filter.deck}" if review_filter.deck else ""
        question = f"Review ahead: prompts{where} due within how many days? Earliest first."

        def review(days: int | None) -> None:
            if days:
                self._leave_finished_review()
                self.start_review(review_filter, ahead_days=days)

        self.push_screen(AskNumber(visible_line(question), AHEAD_DAYS, AHEAD_DAYS_MOST), review)

    def _leave_finished_review(self) -> None:
        """A session asked for from the end-of-session screen replaces it: Esc then goes home."""
        from mlcards.tui.review import ReviewScreen

        if isinstance(self.screen, ReviewScreen) and self.screen.finished:
            self.pop_screen()

    def action_home(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_study_all(self) -> None:
        self.action_home()
        self.start_review(ReviewFilter())

    def action_browse(self) -> None:
        from mlcards.tui.browse import BrowseScreen

        self.action_home()
        self.push_screen(BrowseScreen())

    def action_stats(self) -> None:
        from mlcards.tui.stats import StatsScreen

        self.action_home()
        self.push_screen(StatsScreen())

    def action_new_card(self) -> None:
        """The new-card form, on the deck file of the deck or card the screen shows if it is the learner's."""
        from mlcards.tui.new_card import AddedCard, NewCardForm, card_targets

        if isinstance(self.screen, NewCardForm):
            return
        shown = getattr(self.screen, "deck_file_shown", lambda: None)()
        targets = card_targets(self.collection)
        paths = {target.path for target in targets}
        chosen = next((path for path in (shown, self.last_card_target) if path in paths), None)

        def added(result: AddedCard | None) -> None:
            if result is None:
                return
            self.last_card_target = result.path
            self.notify(result.message, title="New card", severity="information" if result.synced else "warning", timeout=10)
            show = getattr(self.screen, "show_new_card", None)
            if result.synced and show is not None:
                show(result.deck_id, result.card_id)

        self.push_screen(NewCardForm(targets, chosen), added)

    def action_help(self) -> None:
        from mlcards.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME
        config_path = self.collection.config_path
        if config_path is None:
            return
        try:
            save_setting(config_path, "theme", "light" if self.theme == LIGHT_THEME else "dark")
        except (OSError, tomllib.TOMLDecodeError) as error:
            self.notify(
                f"The theme could not be saved in {config_path} ({error}); it applies until you quit.", severity="warning"
            )

    def action_switch_scheduler(self) -> None:
        """SM-2 <-> FSRS: every prompt is rescheduled from the review log, and the choice is saved."""
        from mlcards.tui.review import ReviewScreen

        if any(isinstance(screen, ReviewScreen) for screen in self.screen_stack):
            self.notify("Leave the review first: its queue was built under the current scheduler.", severity="warning")
            return
        wanted = "fsrs" if self.collection.settings.scheduler == "sm2" else "sm2"
        previous = self.collection.settings
        self.collection.settings = replace(previous, scheduler=wanted)
        reports: list[RebuildReport | None] = []
        if not self.saved("The scheduler switch", lambda: reports.append(self.collection.follow_configured_rule())):
            return
        name = "FSRS" if wanted == "fsrs" else "SM-2"
        report = reports[0]
        rescheduled = (
            f"{report.prompts} prompt(s) rescheduled from {report.answers} answer(s)" if report else "nothing to reschedule"
        )
        config_path = self.collection.config_path
        kept = ""
        if config_path is not None:
            try:
                save_setting(config_path, "scheduler", wanted)
            except (OSError, tomllib.TOMLDecodeError) as error:
                kept = f" It could not be saved in {config_path} ({error}): the next start goes back to {previous.scheduler}."
        self.notify(f"Scheduling with {name}: {rescheduled}; the review log is unchanged.{kept}", title="Scheduler")
        self._reload_screens()

    def _reload_screens(self, except_home: bool = False) -> None:
        """Re-read what screens show after a change to every schedule (home's counts, stats'
        forecast, browse's due dates): each screen that shows such numbers has reload(). Every
        screen open is re-read, not only the one in view: a dialog or the new-card form may hide
        browse for now. Cheap beside the replay of the whole log that such a change is.
        `except_home`: home is left to its own reload when it shows again (after a dialog)."""
        for screen in self.screen_stack:
            if except_home and isinstance(screen, HomeScreen):
                continue
            reload: Callable[[], None] | None = getattr(screen, "reload", None)
            if reload is not None:
                reload()

    def action_interview_date(self) -> None:
        """Set, change or clear the interview date new prompts are planned for (saved in config.toml)."""
        from mlcards.tui.interview import InterviewDialog

        self.push_screen(InterviewDialog(self.collection.settings.interview_date, self.today()), self._apply_interview_date)

    def _apply_interview_date(self, choice: date | str | None) -> None:
        from mlcards.tui.interview import CLEAR

        if choice is None:
            return
        chosen = None if choice == CLEAR else choice
        assert chosen is None or isinstance(chosen, date)
        self.collection.settings = replace(self.collection.settings, interview_date=chosen)
        config_path = self.collection.config_path
        kept = ""
        if config_path is not None:
            try:
                save_plan_settings(config_path, [("interview_date", chosen)])
            except (OSError, ConfigError, tomllib.TOMLDecodeError) as error:
                kept = f" It could not be saved in {config_path} ({error}): it applies until you quit."
        if chosen is None:
            self.notify(f"Interview date cleared: new_cards_per_day applies again.{kept}", title="Interview")
        else:
            self._notify_plan(chosen, kept)
        # Stats' forecast and browse change with the plan; home re-reads itself when it shows again.
        self._reload_screens(except_home=True)

    def _notify_plan(self, interview: date, kept: str) -> None:
        """The plan for a date just set, in `mlcards plan`'s words: new prompts a day and, when the
        review budget cannot carry them, by how much and what could be cut. Computed once here,
        never on home's reloads (the whole plan takes ~150 ms at 100,000 prompts)."""
        from mlcards.plan_report import budget_lines, new_prompts_line
        from mlcards.study_plan import interview_plan

        plan = interview_plan(self.collection.database, self.collection.settings, self.now(), self.today())
        assert plan is not None  # the date was just set
        over = budget_lines(plan)
        self.notify(
            "\n".join([f"Interview {interview.isoformat()}. {new_prompts_line(plan)}", *over]) + kept,
            title="Interview: over budget" if over else "Interview",
            severity="warning" if over else "information",
            timeout=20 if over else None,
        )

    # --- notices ------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notice shows its text as written: deck names, paths, problems and $EDITOR are the
        user's text, where '[/bold]' is not markup and ESC must not reach the terminal."""
        del markup  # never markup, whatever a caller (or Widget.notify's default) asks for
        super().notify(visible(message), title=visible_line(title), severity=severity, timeout=timeout, markup=False)

    # --- writes -------------------------------------------------------------------------
    def saved(self, what: str, write: Callable[[], object]) -> bool:
        """Run a write; if the database refuses it, leave the app saying plainly that `what`
        was not saved and why, with a non-zero exit status. True when it was saved."""
        try:
            write()
        except (sqlite3.Error, DatabaseError) as error:
            reason = error if isinstance(error, DatabaseError) else explain(error, self.collection.database.path, "saving to")
            self.not_saved = f"mlcards: {what} was NOT saved.\n{reason}"
            self.exit(return_code=NOT_SAVED_EXIT_CODE, message=Text(self.not_saved))
            return False
        return True

    # --- the editor ----------------------------------------------------------------------
    def editor_command(self) -> str | None:
        """$VISUAL, then $EDITOR, then nano or vi if installed (named in a notice); None if none."""
        chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if chosen:
            return chosen
        for fallback in ("nano", "vi"):
            if shutil.which(fallback):
                self.notify(f"No $VISUAL or $EDITOR is set: opening {fallback}. Set $EDITOR to choose your editor.", timeout=6)
                return fallback
        self.notify("No editor found: set $EDITOR (or $VISUAL) to your editor's command.", severity="error", timeout=10)
        return None

    def fork_folder(self) -> Path:
        """Where `e` puts a forked shipped deck: next to the database, so it lives with the history."""
        return self.collection.database.path.parent / "my-decks"

    def edit_file(self, path: str, line: int) -> SyncReport | None:
        """Open a deck file in $VISUAL / $EDITOR at a line, then sync what was saved.
        None (after telling the learner why) when the editor cannot be started."""
        editor = self.editor_command()
        if editor is None:
            return None
        command = [*shlex.split(editor), f"+{line}", str(Path(path))]
        try:
            try:
                with self.suspend():
                    subprocess.run(command, check=False)
            except SuspendNotSupported:  # no terminal to hand over (headless, web): run it directly
                subprocess.run(command, check=False, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as error:
            self.notify(
                f"Could not start the editor '{editor}' ({error.strerror}). Set $EDITOR or $VISUAL to your editor's command.",
                severity="error",
                timeout=10,
            )
            return None
        return self.sync_after_edit()

    def is_shipped(self, path: str) -> bool:
        return Path(path).resolve().is_relative_to(shipped_decks_dir().resolve())

    # --- command palette -----------------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's own "Theme" (every built-in theme, not saved) and "Keys" would list the theme
        # switch and the help a second time: ours save the choice and cover every screen's keys.
        repeated = (self.action_change_theme, self.action_show_help_panel, self.action_hide_help_panel)
        yield from (command for command in super().get_system_commands(screen) if command.callback not in repeated)
        yield SystemCommand("Home", "Go to the deck list", self.action_home)
        yield SystemCommand("Study all due", "Today's due and new prompts from every deck", self.action_study_all)
        yield SystemCommand("Browse cards", "Search every prompt by text, tag, deck and state", self.action_browse)
        yield SystemCommand("New card", "Write a card into one of your deck files", self.action_new_card)
        yield SystemCommand("Statistics", "Heatmap, forecast, retention and mastery per topic", self.action_stats)
        yield SystemCommand("Help", "Every key binding", self.action_help)
        yield SystemCommand("Light / dark theme", "Switch between the light and dark themes", self.action_toggle_theme)
        yield SystemCommand(
            "Interview date",
            "Set or clear the date new prompts are planned for; home shows days left and readiness",
            self.action_interview_date,
        )
        other = "FSRS" if self.collection.settings.scheduler == "sm2" else "SM-2"
        yield SystemCommand(
            f"Scheduler: switch to {other}",
            "Reschedule every prompt from the review log under the other rule (saved in config.toml)",
            self.action_switch_scheduler,
        )
        # Actions the entries above already offer are not listed again from the screen's bindings.
        seen = {
            "help",
            "toggle_theme",
            "switch_scheduler",
            "interview_date",
            "quit",
            "app.quit",
            "command_palette",
            "study_all",
            "browse",
            "stats",
            "leave",
            "new_card",
        }
        for binding in type(screen).BINDINGS:  # every action of the screen, enabled right now or not
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or binding.key.split(",")[0]
            yield SystemCommand(
                f"{binding.description} ({key})",
                f"{type(screen).__name__.removesuffix('Screen')}: {binding.description}",
                partial(self.run_action, binding.action, screen),
            )


def _nothing_to_review(session: ReviewSession, where: str) -> str:
    """Why a review would be empty, and what more there is to study instead."""
    if session.cram:
        return f"Nothing to cram in {where}."
    if session.extra_new:
        return f"No new prompts left to learn today in {where} (cloze siblings of today's cards wait for another day)."
    if session.ahead_days:
        return f"Nothing due in {where} in the next {counted(session.ahead_days, 'day')}."
    more = session.more_to_study()
    if not more.unseen and not more.due_ahead:
        return f"Nothing to review in {where}."
    return (
        f"Nothing to review in {where} now: {more.unseen} prompts unseen, {more.due_ahead} due in the next "
        f"{counted(more.ahead_days, 'day')}. On the home screen, m learns more new prompts today and h reviews ahead."
    )
