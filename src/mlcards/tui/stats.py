"""Stats: a year's review heatmap, a 30-day workload forecast (simulated under the active rule,
new prompts included), retention, counts by state, and mastery per syllabus area (weakest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from mlcards.store import stats
from mlcards.study_plan import interview_plan, workload
from mlcards.tui import charts

if TYPE_CHECKING:
    from mlcards.tui.app import MLCardsApp


CHARTS_SIDE_BY_SIDE_FROM = 150  # columns: room for the heatmap and the forecast in one row


class StatsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "leave", "Home"),
        Binding("m", "toggle_mastery", "Mastery by deck/source"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mastery_by: str = "deck"

    @property
    def mlcards(self) -> MLCardsApp:
        return cast("MLCardsApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats"):
            with Horizontal(id="stats-numbers"):
                yield Static(id="state-counts", classes="panel")
                yield Static(id="retention", classes="panel")
            with Container(id="charts"):
                yield Static(id="heatmap", classes="panel")
                yield Static(id="forecast", classes="panel")
            yield Static(id="mastery", classes="panel")
        yield Footer(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= CHARTS_SIDE_BY_SIDE_FROM, "wide")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        database = self.mlcards.collection.database
        today = self.mlcards.today()
        counts = stats.state_counts(database, today)
        kept = stats.retention(database, today)
        self._panel("#state-counts", "Prompts by state").update(
            Text.assemble(
                ("Unseen    ", "blue"),  # never answered: home's Unseen column
                f"{counts.new:>6}\n",
                ("Learning  ", "red"),
                f"{counts.learning:>6}\n",
                ("Young     ", "green"),
                f"{counts.young:>6}\n",
                ("Mature    ", "bold green"),
                f"{counts.mature:>6}\n",
                ("Suspended ", "yellow"),
                f"{counts.suspended:>6}\n",
                ("Buried    ", "dim"),
                f"{counts.buried:>6}",
            )
        )
        self._panel("#retention", f"Retention, last {stats.RETENTION_WINDOW_DAYS} days").update(
            Text.assemble(
                ("Young  ", "green"),
                f"{charts.percent(kept.young):>5}  ",
                (f"({kept.young_passed}/{kept.young_total})\n", "dim"),
                ("Mature ", "bold green"),
                f"{charts.percent(kept.mature):>5}  ",
                (f"({kept.mature_passed}/{kept.mature_total})\n\n", "dim"),
                (f"Passed = graded Hard or better;\nmature = interval ≥ {stats.MATURE_INTERVAL} days.", "dim"),
            )
        )
        self._panel("#heatmap", "Answers, last year").update(charts.heatmap(stats.review_heatmap(database, today), today))
        settings = self.mlcards.collection.settings
        plan = interview_plan(database, settings, self.mlcards.now(), today)
        work = plan.forecast if plan is not None else workload(database, settings, self.mlcards.now(), today)
        totals = [work.total(day) for day in range(len(work.new))]
        reviews = sum(work.reviews(day) for day in range(len(work.new)))
        rule = "FSRS" if settings.scheduler == "fsrs" else "SM-2"
        caption = Text(f"{reviews} reviews and {sum(work.new)} new prompts in all", style="dim")
        if plan is not None and not plan.passed:
            caption.append(f"; planned for {plan.interview.isoformat()}, within {plan.budget} a day", style="dim")
            if not plan.budget_ok:
                caption.append(
                    f"\nOver budget: {plan.new_per_day} new a day needed, room for about {plan.sustainable} "
                    "('mlcards plan' says what could be cut)",
                    style="bold red",
                )
        self._panel("#forecast", f"Workload, next {len(totals)} days (simulated under {rule})").update(
            charts.forecast(totals, caption=caption)
        )
        self._show_mastery()

    def _show_mastery(self) -> None:
        database = self.mlcards.collection.database
        areas = stats.mastery_by_area(database, self.mlcards.today(), by="source" if self.mastery_by == "source" else "deck")
        title = "Mastery by syllabus area" if self.mastery_by == "deck" else "Mastery by source article"
        self._panel("#mastery", title + " (weakest first)").update(charts.mastery_table(areas))

    def _panel(self, selector: str, title: str) -> Static:
        panel = self.query_one(selector, Static)
        panel.border_title = title
        return panel

    def action_toggle_mastery(self) -> None:
        self.mastery_by = "source" if self.mastery_by == "deck" else "deck"
        self._show_mastery()

    def action_leave(self) -> None:
        self.dismiss()
