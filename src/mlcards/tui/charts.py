"""Terminal charts as Rich renderables: a year's review heatmap, a due forecast, mastery bars."""

from __future__ import annotations

from datetime import date, timedelta

from rich.constrain import Constrain
from rich.table import Table
from rich.text import Text

from mlcards.store.stats import AreaMastery

_HEAT_STYLES = ("grey30", "green4", "green3", "green1", "bold bright_green")
_BAR_EIGHTHS = " ▁▂▃▄▅▆▇█"
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
MASTERY_WIDEST = 110  # columns: at 200 the numbers sat 150 columns away from their area's name


def heatmap(counts: dict[date, int], today: date, weeks: int = 53) -> Text:
    """One column per week (oldest left), one row per weekday; brighter means more answers."""
    last_monday = today - timedelta(days=today.weekday())
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    peak = max(counts.values(), default=0)
    out = Text()
    out.append("    ")
    month = None
    column = 0
    while column < weeks:  # month labels over the first week of each month
        monday = first_monday + timedelta(weeks=column)
        if monday.month != month and column <= weeks - 3:
            month = monday.month
            label = monday.strftime("%b") + " "  # a gap, so neighbouring months never run together
            out.append(label, style="dim")
            column += len(label)
        else:
            out.append(" ")
            column += 1
    out.append("\n")
    for weekday in range(7):
        out.append(f"{_WEEKDAYS[weekday]:<4}", style="dim")
        for week in range(weeks):
            day = first_monday + timedelta(weeks=week, days=weekday)
            if day > today:
                out.append(" ")
                continue
            count = counts.get(day, 0)
            level = 0 if count == 0 or peak == 0 else 1 + min(3, (4 * count - 1) // peak)
            out.append("■" if count else "·", style=_HEAT_STYLES[level])
        out.append("\n")
    total = sum(counts.values())
    active = sum(1 for count in counts.values() if count)
    out.append(f"{total} answers on {active} day(s) in the last year", style="dim")
    return out


def forecast(counts: list[int], height: int = 7, caption: Text | None = None) -> Text:
    """A bar per day (today first) with eighth-block resolution and a scale on the left."""
    peak = max(counts, default=0)
    out = Text()
    for row in range(height, 0, -1):
        label = str(peak) if row == height else ("0" if row == 1 and peak == 0 else "")
        out.append(f"{label:>5} ", style="dim")
        out.append("│", style="dim")
        for count in counts:
            eighths = 0 if peak == 0 else round(count * height * 8 / peak)
            filled = eighths - (row - 1) * 8
            char = _BAR_EIGHTHS[max(0, min(8, filled))]
            if count and row == 1 and filled <= 0:
                char = "▁"  # a non-empty day is never invisible
            out.append(char * 2, style="cyan")
        out.append("\n")
    out.append("      └" + "──" * len(counts) + "\n", style="dim")
    axis = [" "] * (2 * len(counts))
    for offset in range(0, len(counts), 7):
        for index, char in enumerate(f"+{offset}" if offset else "today"):
            if 2 * offset + index < len(axis):
                axis[2 * offset + index] = char
    out.append("       " + "".join(axis).rstrip() + "\n", style="dim")
    if caption is None:
        caption = Text(f"{sum(counts)} prompt(s) due in the next {len(counts)} days", style="dim")
    out.append_text(caption)
    return out


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def bar(fraction: float, width: int = 10) -> Text:
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_BAR_EIGHTHS[part] if part else "")
    style = "red" if fraction < 0.25 else "yellow" if fraction < 0.5 else "green"
    return Text(text.ljust(width, "·"), style=style)


def mastery_table(areas: list[AreaMastery]) -> Constrain:
    table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
    table.add_column("Area", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("Seen", justify="right")
    table.add_column("Mature", justify="right")
    table.add_column("Kept", justify="right")
    table.add_column("Mastery", no_wrap=True)
    for area in areas:
        flag = Text(" weak", style="bold red") if area.weak and area.seen else Text("")
        table.add_row(
            area.area,
            f"{area.seen}/{area.prompts}",
            str(area.mature),
            percent(area.retention),
            bar(area.mastery) + Text(f" {area.mastery:>4.0%}") + flag,
        )
    return Constrain(table, MASTERY_WIDEST)
