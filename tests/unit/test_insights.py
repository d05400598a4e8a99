"""The pure insights steps on small hand-made values: topics against a baseline, churn scoring and
billing signals, error codes and grouping, cost per category, and the report's escaping."""
from __future__ import annotations

import numpy as np
import pytest

from app.insights import churn, costs, reading, recurring, topics
from app.insights.analyse import Findings, ticket_signals
from app.insights.records import Account, InsightsError, TicketRecord, read_jsonl
from app.insights.report import as_dict, as_html, as_text
from app.insights.words import names_in, typical_words
from connectors.roles import BillingAccount, Charge, Invoice, InvoiceLine, Subscription

DAY = 86400
NOW = 100 * DAY


def ticket(i, days_ago, text="", who="", account="a1"):
    return TicketRecord(id=str(i), subject=text, body="", created_at=NOW - days_ago * DAY,
                        requester=who or f"p{i}@x.test", account=account)


def unit(*axes):
    v = np.zeros(8, np.float32)
    for a in axes:
        v[a] = 1.0
    return v / np.linalg.norm(v)


def test_a_topic_rises_only_above_its_baseline():
    # topic 0 is steady (as many per fortnight over the baseline), topic 1 is new in the window
    tickets, vectors = [], []
    for n in range(40):
        tickets.append(ticket(n, 1 + (n % 70), "steady invoice question"))
        vectors.append(unit(0))
    for n in range(40, 47):
        tickets.append(ticket(n, 1 + n % 10, "price change confusion"))
        vectors.append(unit(1))
    found = topics.rising(tickets, np.array(vectors), NOW, 14 * DAY)
    (topic,) = found
    assert set(topic.tickets) == {str(n) for n in range(40, 47)}
    assert topic.count == 7 and topic.expected == 0.0 and "price" in topic.name


def _tier_story(accounts_in_starter: int, growth_in_window: int):
    """A question every growth customer asks now and then (40 in the baseline), asked by starter
    customers only in the window (7 of them): a change to one tier."""
    tickets = [ticket(n, 15 + n, "seat price question", account=f"g{n % 5}") for n in range(40)]
    tickets += [ticket(100 + n, 1 + n, "seat price question", account=f"s{n % accounts_in_starter}") for n in range(7)]
    tickets += [ticket(200 + n, 1 + n, "seat price question", account=f"g{n % 5}") for n in range(growth_in_window)]
    return tickets, np.array([unit(1)] * len(tickets))


def tier(t):
    return "starter" if t.account.startswith("s") else "growth"


def test_a_change_to_one_tier_rises_within_it_though_not_among_all_tickets():
    tickets, vectors = _tier_story(accounts_in_starter=4, growth_in_window=0)
    assert topics.rising(tickets, vectors, NOW, 14 * DAY) == []  # 7 against 10 expected from everyone
    (topic,) = topics.rising(tickets, vectors, NOW, 14 * DAY, tier_of=tier)
    assert set(topic.tickets) == {str(100 + n) for n in range(7)} and topic.expected == 0.0


def test_within_a_tier_one_account_or_a_question_all_tiers_ask_is_not_the_tiers():
    one_account, vectors = _tier_story(accounts_in_starter=1, growth_in_window=0)
    assert topics.rising(one_account, vectors, NOW, 14 * DAY, tier_of=tier) == []
    everyone_asks, vectors = _tier_story(accounts_in_starter=4, growth_in_window=7)
    assert topics.rising(everyone_asks, vectors, NOW, 14 * DAY, tier_of=tier) == []


def test_a_topic_needs_several_people():
    tickets = [ticket(n, 1 + n, "same thing", who="one@x.test") for n in range(6)]
    assert topics.rising(tickets, np.array([unit(2)] * 6), NOW, 14 * DAY) == []


def test_typical_words_prefer_what_is_rare_elsewhere():
    group = ["Growth price went up", "growth seat price", "price on growth"]
    everything = group + ["how do I export", "export to excel", "password reset"]
    assert typical_words(group, everything, 2) == ["growth", "price"]


def test_the_people_who_sign_a_group_do_not_name_it():
    group = ["Reports arrive twice since Monday.\nJamal Tanaka", "Every report is sent twice\nJ. Tanaka",
             "Scheduled reports come twice again. Tanaka"]
    everything = group + ["how do I export", "export to excel", "password reset"]
    names = names_in(["jamal.tanaka@kestrel.example", "billing@acme.example", "x-y@acme.example", None])
    assert names == {"jamal", "tanaka"}  # a one-word address (billing@) says nothing of a name
    assert "tanaka" in typical_words(group, everything, 3)
    assert "tanaka" not in typical_words(group, everything, 3, names) and "twice" in typical_words(group, everything, 3, names)


def test_error_codes_are_found_in_any_case_and_numbers_alone_are_not_codes():
    assert recurring.codes("failed (err_pdf_render_timeout) and RX-504, 0x1F4A0") == {
        "ERR_PDF_RENDER_TIMEOUT", "RX-504", "0X1F4A0"}
    assert recurring.codes("a 401 on /v2/reports, re-authorising and e-mail did not help") == set()
    assert recurring.codes("invoice INV-2026-13231 and order PO-86967 are wrong") == set()  # ids, not errors


def test_a_shared_code_groups_tickets_and_a_lone_code_does_not():
    tickets = [ticket(n, 1 + n, f"Export fails with ERR_X_{'TIMEOUT' if n < 5 else n}") for n in range(8)]
    vectors = np.array([unit(n) for n in range(8)])  # nothing alike in meaning: only the code joins them
    examples = (np.array([unit(0)]), np.array([unit(7)]))
    (error,) = recurring.find(tickets, vectors, 0, NOW, examples)
    assert error.tickets == tuple(str(n) for n in reversed(range(5))) and error.codes == ("ERR_X_TIMEOUT",)
    assert recurring.find(tickets[:4], vectors[:4], 0, NOW, examples) == []  # under the threshold


def test_churn_counts_frustration_above_the_usual_and_billing():
    acct = Account("a1", "Big Co", "enterprise", 200000)
    mine = [ticket(1, 3, who="x@big.test"), ticket(2, 2, who="x@big.test"), ticket(3, 1)]
    angry = {t.id: churn.TicketSignals(0.8, False) for t in mine}
    calm = churn.score(acct, mine, angry, usual=churn.Usual(frustrated=1.0))
    assert calm.score == 0 and calm.reasons == ()  # this account always writes like this
    signals = {**angry, "2": churn.TicketSignals(0.8, True), "3": churn.TicketSignals(0.8, True, repeat_of="1")}
    money = churn.BillingSignals(("2026-11-10: $2,500.00 — declined",), ("2026-11-05: fewer seats",))
    risk = churn.score(acct, mine, signals, money)
    assert risk.score == 1.0 and risk.weighted == 200000 and risk.level == "high"
    assert any("3 frustrated" in r for r in risk.reasons) and any("cancelling" in r for r in risk.reasons)
    assert churn.at_risk([calm, risk]) == [risk]
    assert churn.property_value(risk).startswith("1.00 (high) — 3 frustrated tickets in 14 days")


def test_billing_signals_read_declines_credits_and_cancellations_in_the_window():
    inside, outside = "2026-11-10T00:00:00Z", "2026-01-01T00:00:00Z"
    account = BillingAccount(
        customer_id="cus_1", email="x@big.test", name="X",
        subscriptions=(Subscription("sub_1", "active", "Enterprise", 1, "usd", "year", 5, "", True, inside),),
        invoices=(Invoice("in_1", "1", "paid", 0, 0, "usd", inside,
                          lines=(InvoiceLine("Unused time on 5 × Enterprise", -5000, True),)),
                  Invoice("in_0", "0", "paid", 0, 0, "usd", outside,
                          lines=(InvoiceLine("Unused time earlier", -100, True),))),
        charges=(Charge("ch_1", 250000, 0, "usd", "failed", inside, failure_message="Your card was declined."),
                 Charge("ch_0", 100, 0, "usd", "failed", outside)))
    found = churn.billing_signals([account], 1_790_000_000, 1_800_000_000)  # Sep 2026 to Jan 2027
    assert found.failed_payments == ("2026-11-10: $2,500.00 — Your card was declined.",)
    assert len(found.downgrades) == 2  # the credit and the cancellation set for the period's end
    narrow = churn.billing_signals([account], 1_770_000_000, 1_790_000_000)
    assert narrow == churn.BillingSignals()


def test_a_repeat_is_the_same_account_about_the_same_thing():
    mine = [ticket(1, 3, "reports do not load", who="k@h.test"), ticket(2, 2, "invoice please", who="k@h.test"),
            ticket(3, 1, "reports still not loading", who="m@h.test"), ticket(4, 1, "reports", account="a2")]
    vectors = np.array([unit(0), unit(1), unit(0), unit(0)])
    calm = [reading.Reading(0.0, 0.0, "tone")] * 4
    signals = ticket_signals(mine, vectors, calm)
    assert [signals[t.id].repeat_of for t in mine] == ["", "", "1", ""]


def test_cost_per_category_and_week_and_resolution_left_open():
    at = 1_763_000_000.0  # 2025-11-13, ISO week 46
    rows = [{"job_id": 1, "at": at, "step": "triage", "detail": {"tokens": 100, "cost_usd": 0.001}},
            {"job_id": 1, "at": at, "step": "gather", "detail": {"facts": [{"source": "stripe"}, {"source": "stripe"}],
                                                                  "gaps": [{"source": "hubspot"}]}},
            {"job_id": 1, "at": at, "step": "compose", "detail": {"tokens": 300, "cost_usd": 0.003}},
            {"job_id": 1, "at": at, "step": "decide", "detail": {"category": "billing"}},
            {"job_id": 2, "at": at, "step": "decide", "detail": {"category": "billing"}},
            {"job_id": 3, "at": at, "step": "triage", "detail": {"tokens": 50}}]  # no decision: left out
    (cost,) = costs.per_category(rows, {1: 2.0, 2: 1.0})
    assert (cost.category, cost.week, cost.tickets, cost.tokens, cost.lookups) == ("billing", "2025-W46", 2, 400, 2)
    assert cost.cost_usd == pytest.approx(0.004) and cost.per_ticket_usd == pytest.approx(0.002)
    assert cost.seconds == 1.5 and cost.resolution is None
    assert costs.per_category(rows, {}, {"billing": 0.5})[0].resolution == 0.5


def test_the_report_escapes_customer_text_and_says_when_resolution_is_missing():
    t = ticket(7, 1, "<script>alert(1)</script>")
    topic = topics.Topic("x", "7", t.subject, ("7",), 6, 0.0, 0)
    from app.insights.analyse import Trend
    findings = Findings(now=NOW, since_s=14 * DAY, tickets=1, trends=(Trend(topic, (("growth", 6),)),),
                        risks=(), errors=(), links={"7": "https://h.test/7"})
    report = as_dict(findings, [])
    page = as_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and 'href="https://h.test/7"' in page
    assert "resolution: —" in as_text(report) and "Accounts at risk: none" in as_text(report)


def test_a_broken_ticket_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": 1}\nnot json\n')
    with pytest.raises(InsightsError, match="t.jsonl:2: not JSON"):
        read_jsonl(path)
    with pytest.raises(InsightsError, match="cannot read"):
        read_jsonl(tmp_path / "missing.jsonl")


def test_a_large_baseline_is_sampled_evenly_and_the_same_way_every_run():
    from app.insights.run import baseline_sample
    many = [ticket(n, 20 + n % 50) for n in range(4000)]
    kept, weight = baseline_sample(many, most=1000)
    assert len(kept) == 1000 and weight == 4.0 and kept == baseline_sample(list(reversed(many)), most=1000)[0]
    assert [t.created_at for t in kept] == sorted(t.created_at for t in kept)
    assert baseline_sample(many[:10], most=1000) == (many[:10], 1.0)


def test_a_sampled_baseline_counts_for_what_it_stands_for():
    tickets = [ticket(n, 20 + n, "steady") for n in range(2)] + [ticket(n, 1 + n % 10, "steady") for n in range(2, 9)]
    vectors = np.array([unit(0)] * 9)
    (alone,) = topics.rising(tickets, vectors, NOW, 14 * DAY, min_count=5)  # 2 before predict 0.5: 7 rises
    assert alone.expected == 0.5
    assert topics.rising(tickets, vectors, NOW, 14 * DAY, min_count=5, baseline_weight=4.0) == []  # they stood for 8
