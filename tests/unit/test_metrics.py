import pytest

from app.replay.metrics import (
    Prediction,
    accuracy,
    at_oos_recall,
    coverage_at,
    ece,
    macro_f1,
    oos_recall_at,
    precision_table,
    threshold_for_precision,
)

P = Prediction


def test_accuracy_and_macro_f1_ignore_out_of_scope_gold():
    preds = [P("a", "a", .9), P("a", "b", .6), P("b", "b", .8), P(None, "a", .3)]
    assert accuracy(preds) == pytest.approx(2 / 3, abs=1e-4)
    # a: tp1 fp0 fn1 → 2/3 ; b: tp1 fp1 fn0 → 2/3
    assert macro_f1(preds) == pytest.approx(2 / 3, abs=1e-4)


def test_ece_is_zero_when_confidence_matches_accuracy_and_large_when_overconfident():
    calibrated = [P("a", "a", .75)] * 3 + [P("a", "b", .75)]
    assert ece(calibrated) == 0
    overconfident = [P("a", "b", .99)] * 4
    assert ece(overconfident) == pytest.approx(.99)


def test_threshold_is_the_lowest_that_keeps_the_precision_and_handles_ties():
    preds = [P("a", "a", .9), P("a", "a", .8), P("a", "b", .7), P("a", "a", .6), P("a", "b", .5)]
    assert threshold_for_precision(preds, 1.0) == .8
    assert threshold_for_precision(preds, .75) == .6
    tied = [P("a", "a", .9), P("a", "b", .9)]
    assert threshold_for_precision(tied, .9) is None
    assert threshold_for_precision(tied, .5) == .9


def test_out_of_scope_answered_counts_against_precision_and_recall_is_measured():
    preds = [P("a", "a", .95), P(None, "a", .9), P("a", "a", .8), P(None, "b", .2)]
    t = threshold_for_precision(preds, .99)
    assert t == .95
    assert coverage_at(preds, t) == .5
    assert oos_recall_at(preds, t) == 1.0
    table = precision_table(preds, (.6,))
    assert table["0.60"] == {"threshold": .8, "coverage": 1.0, "oos_recall": .5}


def test_threshold_that_refuses_enough_out_of_scope_tickets():
    preds = [P("a", "a", .99), P("a", "a", .9), P("a", "b", .7), P("a", "a", .5)] + \
            [P(None, "a", c) for c in (.1, .2, .3, .4, .6, .8, .05, .15, .25, .35)]
    found = at_oos_recall(preds, 0.9)
    assert found["threshold"] == .6 and found["oos_recall"] == .9  # just above the 9th lowest
    assert found["precision"] == .5 and found["coverage"] == .75  # answered: .99 .9 right, .7 wrong, the .8 intruder
    assert at_oos_recall([P("a", "a", .9)]) is None


def test_the_wilson_interval_is_wide_on_few_tickets_and_narrow_on_many():
    from app.replay.metrics import wilson
    assert wilson(0, 0) is None
    few, many = wilson(5, 5), wilson(500, 500)
    assert few[1] == 1.0 and few[0] < 0.6  # five right of five says little
    assert many[0] > 0.99
    assert wilson(45, 50)[0] < 0.9 < wilson(45, 50)[1]


def test_thresholds_are_proposed_only_from_enough_tickets_with_what_they_rest_on():
    from app.replay.evaluate import MIN_SAMPLE, per_category, proposal_text
    from app.replay.metrics import Prediction
    small = per_category([Prediction("billing", "billing", 0.9)] * 5, 0.95)["billing"]
    assert small["proposed_send_at"] is None and small["withheld"] == f"only 5 tickets; a proposal needs {MIN_SAMPLE}"
    assert "withheld" in proposal_text(small, 11, 12) and "only 5 tickets" in proposal_text(small, 11, 12)
    preds = ([Prediction("billing", "billing", 0.95)] * 40 + [Prediction("refunds", "billing", 0.6)] * 5)
    row = per_category(preds, 0.95)["billing"]
    assert row["proposed_send_at"] == 0.95 and row["proposal_sample"] == 40 and row["withheld"] == ""
    assert row["proposal_precision_ci"][0] > 0.9 and row["proposal_precision_ci"][1] == 1.0
    assert "40 tickets, precision" in proposal_text(row, 11, 12)


def test_the_report_says_why_replies_were_held_back_counting_reasons_of_one_kind_together():
    from app.reasoning.training_data import LabelledTicket
    from app.replay.evaluate import Row, format_report, report
    ticket = LabelledTicket(id="1", subject="", body="hi", category="billing")
    rows = [Row(ticket, "billing", 0.71, "draft", ("confidence 0.710; category is in draft mode",)),
            Row(ticket, "billing", 0.64, "draft", ("confidence 0.640; category is in draft mode",)),
            Row(ticket, "billing", 0.99, "escalate", ("sensitive: legal — a person must handle this",)),
            Row(ticket, "billing", 0.99, "send", ("confidence 0.990 ≥ send_at 0.9",))]
    result = report(rows, 0.95)
    assert result["held_back"] == {"confidence …; category is in draft mode": 2,
                                   "sensitive: legal — a person must handle this": 1}
    text = format_report(result, 0.95)
    assert "not sent because confidence …; category is in draft mode: 2" in text
    assert "pass --kb" in text  # without a knowledge base the actions rest on triage and policy alone
