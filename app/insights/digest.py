"""The daily digest: an insights run over the helpdesk's last two weeks, kept for the admin pages
and posted to Slack (each line linked to its tickets). The worker's scheduler calls `daily`."""
from __future__ import annotations

import logging
import time

from app.core.config import Settings

log = logging.getLogger("deskhand.insights")
SINCE_S = 14 * 86400
MOST_LINKS = 8  # ticket links per line in Slack; the admin page lists them all


def slack_text(report: dict, admin_url: str = "") -> str:
    """The report in Slack's mrkdwn, every value from ticket text escaped (&, <, >)."""
    def links(tickets):
        shown = " ".join(f"<{t['link']}|#{t['id']}>" if t["link"] else f"#{t['id']}" for t in tickets[:MOST_LINKS])
        return shown + (f" +{len(tickets) - MOST_LINKS}" if len(tickets) > MOST_LINKS else "")
    lines = [f"*Deskhand insights* — last {report['since_days']:g} days, {report['tickets']} tickets"]
    for t in report["rising_topics"]:
        plans = ", ".join(f"{p} {n}" for p, n in t["plans"].items())
        lines.append(f"• Rising: *{_esc(t['name'])}* — {t['count']} tickets (usually {t['expected']:g}); "
                     f"plans {_esc(plans)}: {links(t['tickets'])}")
    for r in report["accounts_at_risk"]:
        lines.append(f"• At risk: *{_esc(r['name'])}* (ARR {r['arr']:,.0f}) {r['score']:.2f} — "
                     f"{_esc('; '.join(r['reasons'][:3]))}: {links(r['tickets'])}")
    for e in report["recurring_errors"]:
        issue = f" → {_esc(e['issue'])}" if e["issue"] else ""
        lines.append(f"• Recurring error: *{_esc(e['title'])}*{issue}: {links(e['tickets'])}")
    if len(lines) == 1:
        lines.append("Nothing rising, no account at risk, no recurring error.")
    spent = sum(c["cost_usd"] for c in report["costs"])
    handled = sum(c["tickets"] for c in report["costs"])
    lines.append(f"Cost: ${spent:.2f} for {handled} tickets handled" if handled else "Cost: no ticket handled")
    if report["resolution_note"]:
        lines.append(_esc(report["resolution_note"]))
    if admin_url:
        lines.append(f"<{admin_url}|Open the insights page>")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def daily(settings: Settings, now: float | None = None) -> None:
    """Run, keep, file the recurring errors (Linear connected), write scores (CRM connected), post."""
    if settings.helpdesk != "zendesk":
        log.info("daily digest: insights read Zendesk's ticket export; nothing sent for %s", settings.helpdesk)
        return
    from app.build import build_systems
    from app.helpdesks.zendesk import build_export
    from app.insights.analyse import BASELINE_S
    from app.insights.run import helpdesk_tickets, run
    from app.store.db import connect
    systems = build_systems(settings)
    export, helpdesk = build_export(settings)
    now = time.time() if now is None else now
    tickets = helpdesk_tickets(export, helpdesk, now - SINCE_S - BASELINE_S, helpdesk.bot_user_id())
    db = connect(settings.db_path)
    try:
        result = run(db, systems, tickets, {}, now, SINCE_S, platform="zendesk", helpdesk=helpdesk,
                     file_bugs=systems.bugs is not None, crm_level="auto" if systems.crm is not None else "never")
    finally:
        db.conn.close()
    if systems.chat is not None and settings.slack_channel:
        systems.chat.post(settings.slack_channel, slack_text(result.report))
        log.info("daily digest posted to %s", settings.slack_channel)
    else:
        log.info("daily digest kept for /admin (no Slack channel set)")
