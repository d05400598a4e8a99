"""A reply from the customer's own billing account. Pure.

When a category's policy has `account_facts` and the customer asks about something their billing
records answer (a double charge, an invoice, a failed payment, annual billing they did not choose…),
the reply states what the records show — the diagnoses of app/reasoning/diagnoses.py, with their real
dates and amounts — and what Deskhand has set in motion: a refund, or a change of billing interval with
its refund (priced by the billing system's preview), waiting for a person's approval.

Every sentence of it is also handed to the check as a tool fact (`Draft.facts`): the diagnoses are
computed by code from the billing system's records, and the refund sentence is true once the
proposal is recorded, which the orchestrator does with the write. Nothing here comes from the
ticket's text, so a customer (or a model that obeys one) cannot make the reply state an amount the
records do not hold: a sentence that differs is checked against these and fails.
"""
from __future__ import annotations

from app.core.domain import Citation, Draft, Ticket
from app.policy.action_plan import Proposal
from app.reasoning.diagnoses import Diagnosis, day, money

WRITER = "account"
# Something went wrong with the customer's money: what the account shows leads the reply. The other
# cases (an invoice, a refund's progress, a proration) inform an answer the help articles give.
PROBLEMS = {"charged_twice", "charged_after_cancel", "failed_payment", "annual_instead_of_monthly"}


def reply(ticket: Ticket, diagnoses: list[Diagnosis], proposals: list[Proposal], account_link: str = "",
          answer: Draft | None = None) -> Draft:
    """`answer`: the knowledge base's reply to the same message, when it has a good one. The account's
    facts are added to it (first when they show a problem, after it otherwise), so a question that
    only mentions an invoice ("adding our VAT number to invoices") still gets its answer."""
    first = (ticket.requester.name or "").split(" ")[0] or "there"
    facts = [(f"billing:{'+'.join(d.facts) or d.case}", d.explanation) for d in diagnoses]
    facts += [(f"proposal:{p.action}:{p.params.get('charge_id') or p.params.get('subscription_id') or p.params.get('invoice_id')}",
               proposal_sentence(p)) for p in proposals]
    shown = "This is what your account shows:\n\n" + "\n\n".join(text for _, text in facts)
    cited = Citation("the customer's billing account", account_link, "fact:billing")
    note = "; ".join(d.case for d in diagnoses)
    if answer is None:
        return Draft(text=f"Hi {first},\n\nThanks for getting in touch. {shown}", citations=(cited,), score=1.0,
                     writer=WRITER, note=note, facts=tuple(facts))
    greeting, _, rest = answer.text.partition("\n\n")
    problem = any(d.case in PROBLEMS for d in diagnoses)
    text = f"{greeting}\n\n{shown}\n\n{rest}" if problem else f"{answer.text}\n\n{shown}"
    return Draft(text=text, citations=(cited, *answer.citations), score=answer.score, writer=WRITER, note=note,
                 page_passages=answer.page_passages, facts=tuple(facts), language=answer.language)


def proposal_sentence(proposal: Proposal) -> str:
    """What the customer is told of an action awaiting approval (and the check reads as a fact)."""
    if proposal.action == "invoice_resend":
        return ("We are emailing this invoice to you again, to the address on your billing account."
                if proposal.level == "auto" else "Emailing this invoice to you again is waiting for a colleague's "
                "approval; you will hear from us here once it is sent.")
    return change_sentence(proposal) if proposal.action == "subscription_change" else refund_sentence(proposal)


def change_sentence(proposal: Proposal) -> str:
    """A change of billing interval awaiting approval, with the new price from the billing system's preview
    and the refund that goes with it."""
    p = proposal.params
    refund = (f", and {money(p['refund_amount'], p['currency'])} of charge {p['refund_charge_id']} refunded"
              if p.get("refund_amount") else "")
    return (f"We have proposed moving your subscription to {p['price_label']}: {money(p['amount'], p['currency'])} "
            f"a {p['interval']} for {p['seats']} seat{'s' if p['seats'] != 1 else ''}, first billed on "
            f"{day(p['starts'])}, with nothing billed before then{refund}. It is waiting for a colleague's "
            "approval; you will hear from us here once it is made.")


def refund_sentence(proposal: Proposal) -> str:
    """What the customer is told of a refund awaiting approval (and the check reads as a fact)."""
    p = proposal.params
    return (f"A refund of {money(p['amount'], p['currency'])} of charge {p['charge_id']} is waiting for a "
            "colleague's approval; you will hear from us here once it is made.")


def done_sentence(params: dict, result: str, action: str = "refund") -> str:
    """What the customer is told once an approved action has been carried out."""
    if action == "invoice_resend":
        return f"The invoice has been emailed to you again ({result.split(' emailed', 1)[0]})."
    if action == "subscription_change":
        refund = (f" The refund of {money(params['refund_amount'], params['currency'])} of charge "
                  f"{params['refund_charge_id']} has been made (refund {result.rsplit('refund ', 1)[-1].split(':', 1)[0]})."
                  if params.get("refund_amount") else "")
        return (f"Your subscription is now on {params['price_label']}: {money(params['amount'], params['currency'])} "
                f"a {params['interval']}, first billed on {day(params['starts'])}.{refund}")
    return (f"The refund of {money(params['amount'], params['currency'])} of charge {params['charge_id']} has been "
            f"made ({result.split(':', 1)[0]}).")
