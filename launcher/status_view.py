"""How ``policyradar status`` draws its report on a terminal (rich tables)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from launcher.status_model import StatusReport


# Rendering ----------------------------------------------------------------------------------------
def render(report: StatusReport, found: list[str], console: Console) -> None:
    """The whole screen: a heading and a table per section, then the verdict."""
    console.print(Text(f"Policy Radar status at {report.checked_at}", style="bold"))
    for draw in (
        render_services,
        render_lag,
        render_dead_letters,
        render_sources,
        render_digests,
        render_index,
    ):
        draw(report, console)
    console.print()
    if found:
        console.print(Text(f"needs attention: {len(found)} problem(s), listed on stderr", style="bold red"))
    else:
        console.print(Text("all well", style="bold green"))


def _heading(console: Console, title: str, unavailable: str | None = None) -> bool:
    """Print a section's heading; True (and the reason) when the section is unavailable."""
    console.print()
    heading = Text(title, style="bold")
    if unavailable is not None:
        heading.append(f": unavailable: {unavailable}", style="red")
    console.print(heading)
    return unavailable is not None


def _table(console: Console, columns: list[str], rows: list[list[str | Text]], empty: str) -> None:
    """A table of plain-text cells (never read as markup), or ``empty`` when there are no rows."""
    if not rows:
        console.print(Text(f"  {empty}", style="dim"))
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in row))
    console.print(table)


def render_services(report: StatusReport, console: Console) -> None:
    services = report.services
    _heading(console, "Services")
    rows: list[list[str | Text]] = [
        [
            s.name,
            s.address,
            Text("reachable", "green") if s.reachable else Text("unreachable", "red"),
            s.detail,
        ]
        for s in (services.kafka, services.engine)
    ]
    for s in services.local_stack or []:
        owner = f"pid {s['pid']}" if s["pid"] else "not started by this stack"
        state = Text(s["state"], "green" if s["state"] == "ready" else "red")
        rows.append([f"local {s['name']}", s["address"], state, owner])
    if services.local_stack_unavailable:
        rows.append(["local stack", "", Text("unavailable", "red"), services.local_stack_unavailable])
    _table(console, ["service", "address", "state", "detail"], rows, "none")


def render_lag(report: StatusReport, console: Console) -> None:
    if _heading(console, "Lag per stage", report.lag.unavailable):
        return
    rows: list[list[str | Text]] = []
    for stage in report.lag.stages:
        per_partition = "  ".join(
            f"{p.partition}: {p.lag}" + (" (never committed)" if p.committed is None else "")
            for p in stage.partitions
        )
        rows.append(
            [stage.stage, stage.group, stage.topic, per_partition or "no topic yet", str(stage.total)]
        )
    _table(console, ["stage", "group", "topic", "lag per partition", "lag"], rows, "none")


def render_dead_letters(report: StatusReport, console: Console) -> None:
    dlq = report.dead_letters
    if _heading(console, f"Dead letters in {dlq.topic}", dlq.unavailable):
        return
    console.print(Text(f"  {dlq.total} kept, {dlq.last_day} written in the last 24 hours"))
    rows: list[list[str | Text]] = [
        [
            str(letter["failed_at"] or "?"),
            str(letter["stage"] or "?"),
            f"{letter['topic']}[{letter['partition']}]@{letter['offset']}",
            str(letter["reason"]),
        ]
        for letter in dlq.newest
    ]
    _table(console, ["failed at", "stage", "record", "reason"], rows, "no dead letters")


def render_sources(report: StatusReport, console: Console) -> None:
    src = report.sources
    if _heading(console, "Sources", src.unavailable):
        return
    counts = (
        f"  {src.sources} in all, {src.enabled} enabled, {len(src.flagged)} flagged, "
        f"{src.never_crawled} never crawled"
    )
    console.print(Text(counts))
    rows: list[list[str | Text]] = [[s["source_id"], "; ".join(s["flags"])] for s in src.flagged]
    _table(console, ["flagged source", "flags"], rows, "no enabled source is flagged")


def render_digests(report: StatusReport, console: Console) -> None:
    dig = report.digests
    if _heading(console, "Digests", dig.unavailable):
        return
    console.print(Text(f"  next due, of {dig.alerts} alert(s):"))
    upcoming: list[list[str | Text]] = [
        [Text(f"{d['at']} (overdue)", "yellow") if d["overdue"] else d["at"], d["alert_id"], d["every"]]
        for d in dig.upcoming
    ]
    _table(console, ["due", "alert", "every"], upcoming, "no scheduled digest")
    console.print(Text("  last sent:"))
    sent: list[list[str | Text]] = [
        [str(d["sent_at"]), str(d["alert_id"]), d["message_id"], str(d["items"])] for d in dig.last_sent
    ]
    _table(console, ["sent at", "alert", "message id", "items"], sent, "none sent yet")
    if dig.failing:
        console.print(Text("  failing to go out:", style="red"))
        failing: list[list[str | Text]] = [
            [str(d["alert_id"]), d["message_id"], str(d["attempts"]), str(d["next_attempt_at"])]
            for d in dig.failing
        ]
        _table(console, ["alert", "message id", "attempts", "next attempt"], failing, "none")


def render_index(report: StatusReport, console: Console) -> None:
    idx = report.index
    if _heading(console, "Index", idx.unavailable):
        return
    rows: list[list[str | Text]] = [[idx.alias, ", ".join(idx.indices) or "(none yet)", str(idx.documents)]]
    _table(console, ["alias", "index behind it", "documents"], rows, "none")
