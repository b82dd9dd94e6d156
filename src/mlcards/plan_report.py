"""The interview plan in words and in JSON: what `mlcards plan` and `mlcards status` print, the
`interview` object of `status --json`, and the budget notice the app shows."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import date, timedelta

from mlcards.planning.forecast import Forecast
from mlcards.planning.plan import InterviewPlan
from mlcards.unmatched import LEAVE_OUT, Unmatched
from mlcards.visible import visible_line
from mlcards.wording import counted

_SPARKS = "▁▂▃▄▅▆▇█"


def percent(value: float) -> str:
    return f"{value:.0%}"


def sparkline(values: list[int]) -> str:
    peak = max(values, default=0)
    if peak == 0:
        return _SPARKS[0] * len(values)
    return "".join(_SPARKS[min(len(_SPARKS) - 1, value * len(_SPARKS) // (peak + 1))] for value in values)


def headline(plan: InterviewPlan) -> str:
    if plan.days_left < 0:  # what was known on a past day is not in today's schedule: no readiness for it
        return (
            f"Interview {plan.interview.isoformat()} has passed. New prompts are back to new_cards_per_day; "
            "'mlcards plan --interview YYYY-MM-DD' sets the next one, 'mlcards plan --clear' removes the date."
        )
    if plan.passed:
        return (
            f"Interview {plan.interview.isoformat()} is today: readiness {percent(plan.readiness)}. New prompts are back to "
            "new_cards_per_day; 'mlcards plan --clear' removes the date."
        )
    return (
        f"Interview {plan.interview.isoformat()}: {plan.days_left} day(s) left, readiness {percent(plan.readiness)} "
        "(recall predicted for the day from what you have learned; unseen prompts count 0)"
    )


def new_prompts_line(plan: InterviewPlan) -> str:
    if plan.unseen == 0:
        return "New prompts: none left to see; reviews keep what you know until the day."
    if plan.today > plan.first_seen_by:
        return (
            f"New prompts: {plan.new_per_day} a day. The first-seen deadline ({plan.first_seen_by.isoformat()}, "
            f"{counted(plan.first_seen_days_before, 'day')} before) has passed: the {plan.unseen} unseen are spread over the days left."
        )
    return (
        f"New prompts: {plan.new_per_day} a day, so all {plan.unseen} unseen are first seen by "
        f"{plan.first_seen_by.isoformat()} ({counted(plan.first_seen_days_before, 'day')} before)."
    )


def budget_lines(plan: InterviewPlan) -> list[str]:
    """Nothing when the budget covers the plan; else the numbers and what could be cut."""
    if plan.budget_ok:
        return []
    lines = [
        f"Over budget: seeing all {plan.unseen} unseen prompts by {plan.seen_by.isoformat()} takes {plan.new_per_day} "
        f"new a day, but your reviews leave room for about {plan.sustainable} a day within reviews_per_day = {plan.budget}"
        + (f": about {plan.shortfall} would still be unseen then." if plan.shortfall else ".")
    ]
    if plan.cuts:
        named = " or ".join(f"{cut.kind} '{visible_line(cut.name)}' ({cut.unseen} unseen)" for cut in plan.cuts)
        first = plan.cuts[0]
        option = f"tag:{first.name}" if first.kind == "tag" else first.name
        lines.append(f"  Could be cut: {named} — e.g. mlcards plan --leave-out {shlex.quote(visible_line(option))}")
    lines.append("  Or raise reviews_per_day, lower first_seen_days_before, or move the date (mlcards plan --interview).")
    return lines


def workload_lines(work: Forecast, today: date, scheduler: str, budget: int) -> list[str]:
    """The 30-day workload forecast in two lines: totals, the busiest day, and a sparkline."""
    days = len(work.new)
    totals = [work.total(day) for day in range(days)]
    busiest = max(range(days), key=lambda day: totals[day])
    return [
        f"Workload, next {days} days (simulated under {'FSRS' if scheduler == 'fsrs' else 'SM-2'}): "
        f"{sum(work.reviews(day) for day in range(days))} reviews and {sum(work.new)} new prompts; "
        f"busiest {(today + timedelta(days=busiest)).isoformat()} with {totals[busiest]} (budget {budget} a day)",
        f"  {sparkline(totals)}",
    ]


def forecast_json(work: Forecast, today: date) -> list[dict[str, object]]:
    return [
        {"day": (today + timedelta(days=day)).isoformat(), "reviews": work.reviews(day), "new": work.new[day]}
        for day in range(len(work.new))
    ]


def plan_lines(
    plan: InterviewPlan, scheduler: str, left_out: tuple[str, ...] = (), unmatched: Sequence[Unmatched] = ()
) -> list[str]:
    """The plan as `mlcards plan` and `mlcards status` print it (`scheduler`: the active rule's name;
    `left_out`: the decks and tags it leaves out, those in `unmatched` marked as matching nothing)."""
    lines = [headline(plan)]
    if left_out:
        marked = {item.entry: item.described() for item in unmatched if item.setting == LEAVE_OUT}
        named = ", ".join(marked.get(entry) or visible_line(entry) for entry in left_out)
        lines.append(f"Left out of the plan: {named} (mlcards plan --leave-out-none brings them back)")
    if not plan.passed:
        lines.append(new_prompts_line(plan))
        lines.extend(budget_lines(plan))
    lines.extend(workload_lines(plan.forecast, plan.today, scheduler, plan.budget))
    if plan.areas and plan.days_left >= 0:
        lines.append("Readiness by deck:")
        width = max(len(visible_line(area.area)) for area in plan.areas)
        for area in plan.areas:
            lines.append(
                f"  {visible_line(area.area):<{width}}  {percent(area.readiness):>4}  {area.seen} of {area.prompts} prompts seen"
            )
    return lines


def plan_json(plan: InterviewPlan, left_out: tuple[str, ...] = ()) -> dict[str, object]:
    """The `interview` object of `mlcards status --json` (README: "status --json")."""
    return {
        "left_out": list(left_out),
        "date": plan.interview.isoformat(),
        "days_left": plan.days_left,
        "passed": plan.passed,
        # None once the date has passed: today's schedule cannot say what was known on that day.
        "readiness": round(plan.readiness, 4) if plan.days_left >= 0 else None,
        "readiness_by_deck": [
            {"deck": area.area, "prompts": area.prompts, "seen": area.seen, "readiness": round(area.readiness, 4)}
            for area in plan.areas
            if plan.days_left >= 0
        ],
        "unseen": plan.unseen,
        "first_seen_days_before": plan.first_seen_days_before,
        "first_seen_by": plan.first_seen_by.isoformat(),
        "seen_by": plan.seen_by.isoformat(),  # first_seen_by, or the interview's eve once that has passed
        "new_per_day": 0 if plan.passed else plan.new_per_day,
        "budget": plan.budget,
        "budget_ok": plan.budget_ok,
        "sustainable_new_per_day": plan.sustainable,
        "shortfall": plan.shortfall,
        "cuts": [{"kind": cut.kind, "name": cut.name, "unseen": cut.unseen} for cut in plan.cuts],
        "forecast": forecast_json(plan.forecast, plan.today),
    }
