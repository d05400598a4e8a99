"""`deskhand performance`, `deskhand ladder` and `deskhand outcomes`: how well Deskhand does per
category and week (app/outcomes/measures.py), the autonomy ladder's proposals, and a sweep that
reads back the tickets Deskhand acted on for outcomes no event announced."""
from __future__ import annotations

import json
import time

import click

from app.core.config import Settings
from app.outcomes.measures import cell, headline

COLUMNS = (("resolution", "resolved"), ("resolution_so_far", "so far"), ("handoff", "handoff"),
           ("draft_acceptance", "draft as is"), ("draft_edited", "edited"), ("csat_bot", "CSAT bot"),
           ("csat_agent", "CSAT agent"), ("wrong_category", "wrong cat."))


def table(rows: dict[str, dict], first: str) -> list[str]:
    width = max([len(first)] + [len(k) for k in rows]) + 2
    lines = [f"{first:<{width}}{'tickets':>8}  " + "".join(f"{title:<15}" for _, title in COLUMNS)]
    for name, f in rows.items():
        lines.append(f"{name:<{width}}{f['tickets']:>8}  " + "".join(f"{cell(f[key]):<15}" for key, _ in COLUMNS))
    return lines


def _db(settings: Settings):
    from app.build import prepare_database
    from app.store.db import connect
    prepare_database(settings)
    return connect(settings.db_path)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Every figure as one JSON object.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650),
              help="Tickets Deskhand first acted on in this many days.")
@click.pass_obj
def performance(settings: Settings, as_json: bool, days: int) -> None:
    """Resolution, handoffs, drafts, CSAT and wrong categories, per category and week (sample sizes beside)."""
    from app.outcomes import measures, store
    report = measures.performance(store.results(_db(settings), time.time(), days))
    if as_json:
        click.echo(json.dumps(report, default=list))
        return
    total = report["total"]
    click.echo(headline(total, measures.WINDOW_DAYS) + f" (last {days} days, {total['tickets']} tickets)")
    if not total["tickets"]:
        return
    click.echo("")
    click.echo("\n".join(table({"all": total, **report["categories"]}, "category")))
    click.echo("")
    click.echo("\n".join(table(report["weeks"], "week")))
    reasons = total["handoff_reasons"]
    if reasons:
        click.echo("\nhandoff reasons: " + "; ".join(f"{why} ({n})" for why, n in reasons))


@click.command()
@click.option("--apply", "category", default=None, help="Apply the standing proposal to move CATEGORY up.")
@click.option("--by", "who", default="cli", show_default=True, help="Who applied it (kept in the audit trail).")
@click.option("--json", "as_json", is_flag=True, help="The proposals as JSON.")
@click.pass_obj
def ladder(settings: Settings, category: str | None, who: str, as_json: bool) -> None:
    """The autonomy ladder: which categories have earned more autonomy (and which are to lose it)."""
    from app.outcomes import ladder as ladder_
    db = _db(settings)
    if category:
        try:
            step = ladder_.promote(db, category, who)
        except ladder_.LadderError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{category}: applied {step.change} ({step.why})")
        return
    click.echo("\n".join(ladder_lines(db)) if not as_json else json.dumps(
        [step.__dict__ for step in ladder_.current(db)]))


def ladder_lines(db) -> list[str]:
    """The ladder in a few lines (also the end of `deskhand demo`)."""
    from app.outcomes import ladder as ladder_
    from app.outcomes import measures, store
    from app.policy import store as policy_store
    now = time.time()
    steps = ladder_.current(db, now)
    lines = [f"{s.category}: move {s.direction} {s.change} — {s.why} "
             f"(Wilson {s.lower:.2f}–{s.upper:.2f}, n={s.n})"
             + (f"; apply with `deskhand ladder --apply {s.category}`" if s.direction == "up" else "")
             for s in steps]
    proposed = {s.category for s in steps}
    waiting = ladder_.waiting(policy_store.load(db), measures.verdicts(store.results(db, now, ladder_.RECENT_DAYS)), now)
    short = [f"{c} {n}/{ladder_.MIN_SAMPLE}" for c, n in waiting.items() if c not in proposed]
    if not lines:
        lines.append("ladder: no proposals")
    if short:
        lines.append(f"settled replies so far (a proposal needs {ladder_.MIN_SAMPLE} recent ones and a Wilson lower "
                     f"bound ≥ {ladder_.TARGET:.0%}): " + ", ".join(short))
    return lines


@click.command()
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 365),
              help="Tickets Deskhand wrote on in this many days.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def outcomes(settings: Settings, days: int, as_json: bool) -> None:
    """Read back the tickets Deskhand acted on and record outcomes no event announced."""
    from app.build import build_helpdesk
    from app.outcomes import observe
    db = _db(settings)
    found = observe.sweep(db, build_helpdesk(settings), settings.category_field_id, days)
    if as_json:
        click.echo(json.dumps(found))
        return
    click.echo(f"{found['tickets']} tickets read, {found['recorded']} new outcomes recorded"
               + "".join(f"\n  could not read {e}" for e in found["errors"]))
