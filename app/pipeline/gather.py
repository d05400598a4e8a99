"""Step 4, gather: look the customer up in every system the category's plan names, concurrently.

Each lookup is a small function from one connector to facts, each fact kept with its source and
a link. A lookup that fails, or is still running when the budget is spent, becomes a recorded
gap and the ticket goes on without it (DESIGN §5). Connectors are optional: a system the team
has not connected is simply not asked.
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

from app.core.domain import Evidence, Fact, Gap, Ticket
from connectors.errors import ConnectorError
from connectors.roles import Billing, BillingAccount, BugTracker, Chat, Crm

BUDGET_S = 2.0  # the whole gather; a slower system is a gap, not a stalled ticket


@dataclass(frozen=True)
class Systems:
    """The connectors this install has; None where the team has not connected one."""
    billing: Billing | None = None
    crm: Crm | None = None
    bugs: BugTracker | None = None
    chat: Chat | None = None  # not a lookup: where escalation alerts go


class Gatherer:
    def __init__(self, systems: Systems, budget_s: float = BUDGET_S, workers: int = 8):
        self.systems, self.budget_s = systems, budget_s
        # eight: room for a gathering started while thinking (app/pipeline/orchestrator.py) and another one
        # should the decision come out otherwise
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gather")

    def gather(self, ticket: Ticket, plan: tuple[str, ...], text: str,
               history: Callable[[], list[Fact]] | None = None,
               billing: BillingAccount | None | bool = False) -> Evidence:
        """Run the plan's lookups at once; what is not back within the budget is a gap.
        `history`: the helpdesk's own lookup of the requester's recent tickets. `billing`: the
        requester's account when it was read already for this message (None: no customer there), so
        it is not read twice; False when it was not."""
        return self.start(ticket, plan, text, history, billing).evidence()

    def start(self, ticket: Ticket, plan: tuple[str, ...], text: str,
              history: Callable[[], list[Fact]] | None = None,
              billing: BillingAccount | None | bool = False) -> Gathering:
        """`gather`, started and not waited for: the caller goes on thinking while the lookups run."""
        jobs = {name: fn for name in plan
                if (fn := history if name == "history" else self._lookup(name, ticket, text)) is not None}
        if billing is not False and "billing" in jobs and self.systems.billing is not None:
            jobs["billing"] = lambda: account_facts(self.systems.billing, ticket.requester.email, billing)
        started = time.monotonic()
        return Gathering({self._pool.submit(fn): name for name, fn in jobs.items()}, started, self.budget_s)

    def billing_account(self, email: str) -> tuple[BillingAccount | None, Gap | None]:
        """The requester's billing account for a reply (by their helpdesk email, never by what they
        wrote), within the budget; a failure or a slow system is a gap, and the reply comes from
        the knowledge base instead."""
        billing = self.systems.billing
        if billing is None or not email:
            return None, None
        future = self._pool.submit(billing.account, email)
        try:
            return future.result(timeout=self.budget_s), None
        except TimeoutError:
            future.cancel()
            return None, Gap("billing", f"no answer within {self.budget_s:.1f} s")
        except Exception as exc:  # noqa: BLE001 — a vendor's error or a bug: the ticket goes on without it
            return None, Gap("billing", f"{type(exc).__name__}: {exc}"[:200])

    def interval_quote(self, account: BillingAccount, subscription_id: str, interval: str, starts: str):
        """What the billing system says moving a subscription to `interval` from `starts` would be (an
        `action_plan.Quote`), or why it cannot say, within the budget."""
        future = self._pool.submit(interval_quote, self.systems.billing, account, subscription_id, interval, starts)
        try:
            return future.result(timeout=self.budget_s)
        except TimeoutError:
            future.cancel()
            return f"the billing system gave no price within {self.budget_s:.1f} s"
        except Exception as exc:  # noqa: BLE001 — a vendor's error or a bug: a person makes the change instead
            return f"the billing system could not price it: {type(exc).__name__}: {exc}"[:200]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _lookup(self, name: str, ticket: Ticket, text: str):
        s, email = self.systems, ticket.requester.email
        if name == "billing" and s.billing and email:
            return lambda: billing_facts(s.billing, email)
        if name == "crm" and s.crm and email:
            return lambda: crm_facts(s.crm, email)
        if name == "bugs" and s.bugs:
            return lambda: bug_facts(s.bugs, f"{ticket.subject} {text}")
        return None


@dataclass
class Gathering:
    """One ticket's lookups under way; the budget counts from when they started, not from when the
    evidence is asked for, so time spent thinking meanwhile is time the lookups had."""
    futures: dict[Future, str]  # in plan order
    started: float  # time.monotonic()
    budget_s: float

    def evidence(self) -> Evidence:
        """Wait for the lookups, up to the budget; what is not back is a gap, and so is a lookup that failed."""
        _done, late = wait(self.futures, timeout=max(0.0, self.started + self.budget_s - time.monotonic()))
        facts, gaps = [], []
        for future, name in self.futures.items():  # in plan order, so the note reads the same every time
            if future in late:
                future.cancel()
                gaps.append(Gap(name, f"no answer within {self.budget_s:.1f} s"))
            elif isinstance(future.exception(), ConnectorError):
                gaps.append(Gap(name, str(future.exception())[:200]))
            elif future.exception() is not None:  # a bug in a lookup must not lose the ticket
                gaps.append(Gap(name, f"{type(future.exception()).__name__}: {future.exception()}"[:200]))
            else:
                facts.extend(future.result())
        return Evidence(facts=tuple(facts), gaps=tuple(gaps),
                        elapsed_ms=round((time.monotonic() - self.started) * 1000, 1))

    def cancel(self) -> None:
        """Not needed after all: the lookups not yet begun are dropped (those under way just end)."""
        for future in self.futures:
            future.cancel()


def interval_quote(billing: Billing | None, account: BillingAccount, subscription_id: str, interval: str,
                   starts: str):
    """The subscription, its product's price at `interval` and Stripe's preview of the next invoice after
    the change (two reads: the price list and the preview), or why there is none."""
    from app.policy.action_plan import Quote
    sub = next((s for s in account.subscriptions if s.id == subscription_id), None)
    if billing is None or sub is None or not sub.item_id:
        return "the subscription is not in the billing system's answer"
    try:
        price = billing.interval_price(sub.product_id, interval, sub.currency)
        if price is None:
            return f"{sub.plan} has no {interval}ly price in {sub.currency.upper()}"
        preview = billing.preview_price_change(account.customer_id, sub.id, sub.item_id, price.id, starts)
    except ConnectorError as exc:
        return f"the billing system could not price it: {exc}"[:200]
    return Quote(sub, price, preview)


def billing_facts(billing: Billing, email: str) -> list[Fact]:
    return account_facts(billing, email, billing.account(email))


def account_facts(billing: Billing, email: str, account: BillingAccount | None) -> list[Fact]:
    """The case file's facts from a billing account already read (None: no customer with the email)."""
    who = billing.display_name
    if account is None:
        return [Fact("billing", f"no customer with {email}", kind="billing_none", system=who)]
    facts = [Fact("billing", f"customer {account.customer_id} ({account.name or email})",
                  account.link, kind="billing_customer", system=who)]
    for sub in account.subscriptions:
        facts.append(Fact("billing", f"plan {sub.plan}: {sub.status}, {sub.seats} seats, "
                          f"{money(sub.amount, sub.currency)}/{sub.interval}, renews {sub.current_period_end[:10]}"
                          + (" (cancels at period end)" if sub.cancel_at_period_end else ""),
                          account.link, kind="plan", at=sub.current_period_end, amount=sub.amount,
                          currency=sub.currency, system=who, value=sub.plan, interval=sub.interval,
                          status=sub.status))
    for inv in account.invoices[:3]:
        facts.append(Fact("billing", f"invoice {inv.number or inv.id} ({inv.id}): {inv.status}, "
                          f"{money(inv.amount_due, inv.currency)} due, {money(inv.amount_paid, inv.currency)} paid, "
                          f"{inv.created[:10]}", inv.url, kind="invoice", at=inv.created, system=who))
    for ch in account.charges[:5]:
        state = ch.status + (f" ({ch.failure_message})" if ch.failure_message else "")
        state += f", {money(ch.amount_refunded, ch.currency)} refunded" if ch.amount_refunded else ""
        state += ", DISPUTED" if ch.disputed else ""
        facts.append(Fact("billing", f"charge {ch.id}: {money(ch.amount, ch.currency)} {state}, {ch.created[:10]}",
                          ch.url, kind="failed_charge" if ch.status == "failed" else "charge", at=ch.created,
                          ref=ch.id, amount=max(ch.amount - ch.amount_refunded, 0) if not ch.disputed else 0,
                          currency=ch.currency, system=who))
    return facts


def crm_facts(crm: Crm, email: str) -> list[Fact]:
    who = crm.display_name
    record = crm.contact(email)
    if record is None:
        return [Fact("crm", f"no contact with {email}", kind="crm_none", system=who)]
    facts = [Fact("crm", f"contact {record.name or email}" + (f" at {record.company}" if record.company else "")
                  + (f", lifecycle {record.lifecycle_stage}" if record.lifecycle_stage else ""), record.link,
                  kind="crm_contact", ref=record.contact_id, system=who)]
    if record.plan_tier:
        facts.append(Fact("crm", f"tier {record.plan_tier}", record.link, kind="tier", system=who,
                          value=record.plan_tier))
    if record.arr is not None:
        minor = round(record.arr * 100)
        # a number without its currency cannot be read against billing, so the note says it is missing
        text = (f"ARR {money(minor, record.arr_currency)}" if record.arr_currency
                else f"ARR {record.arr:,.0f} (currency not recorded in {who})")
        facts.append(Fact("crm", text, record.link, kind="arr", amount=minor, currency=record.arr_currency,
                          system=who))
    if record.owner:
        facts.append(Fact("crm", f"account owner {record.owner}", record.link, kind="owner", system=who))
    if record.renewal_date:
        facts.append(Fact("crm", f"renewal {record.renewal_date[:10]}", record.link, kind="renewal",
                          at=record.renewal_date, system=who))
    return facts


def bug_facts(bugs: BugTracker, text: str) -> list[Fact]:
    found = bugs.search(text[:200], limit=3)
    if not found:
        return [Fact("bugs", "no open issue matches", kind="issue_none", system=bugs.display_name)]
    return [Fact("bugs", f"{i.identifier} {i.title} — {i.state}", i.url, kind="issue", at=i.created_at,
                 ref=i.identifier, system=bugs.display_name) for i in found]


def money(minor: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get((currency or "").lower())
    value = f"{minor / 100:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {(currency or '').upper()}"
