"""Reading a ticket for its account's churn risk in any language (app/insights/reading.py) and the
score it feeds: frustration and an intent to leave from the sensitivity detector and the sentiment
reader, repeats from the multilingual encoder, and an account flagged from its tickets alone.
The examples were written for these tests before the thresholds were chosen."""
from __future__ import annotations

import numpy as np
import pytest

from app.insights import churn, reading
from app.insights.analyse import analyse, intent_read, read_leaving, ticket_signals, usual_intent
from app.insights.records import Account, TicketRecord
from app.insights.recurring import example_vectors
from app.insights.vectors import embed

DAY = 86400
NOW = 200 * DAY

FRUSTRATED = {
    "en": "Third email about the same broken export. Nobody has replied in a week and my team has lost patience "
          "with this.",
    "es": "Es la tercera vez que escribimos por el mismo problema y nadie nos responde. Estamos muy molestos, esto "
          "no puede seguir así.",
    "fr": "Cela fait la troisième fois que je vous écris et toujours aucune réponse. Nous sommes vraiment excédés.",
}
FRUSTRATED_JA = "同じ問題で三回目の問い合わせです。一週間以上返事がなく、非常に困っています。"
FRUSTRATED_DE = "Wir warten seit zwei Wochen auf eine Lösung und niemand meldet sich. Das ist für uns nicht mehr akzeptabel."
LEAVING = {
    "en": "We've started talking to other providers and will likely not renew in March.",
    "es": "Estamos evaluando otras plataformas y probablemente no renovaremos el contrato.",
    "fr": "Si rien ne change d'ici la fin du mois, nous résilierons notre abonnement.",
    "ja": "このままでは他社のサービスへの乗り換えを検討せざるを得ません。",
}
LEAVING_DE = ("Guten Tag, könnten Sie mir bitte die Rechnungen für Oktober und November als PDF schicken? Unsere "
              "Buchhaltung braucht sie bis Freitag. Außerdem fehlt beim Export die Spalte mit den Kostenstellen. Die "
              "Rechnungen vom September haben wir bereits, vielen Dank dafür, und der Bericht zu den Projektstunden "
              "sieht seit dem letzten Update gut aus. Wir "
              "denken ernsthaft darüber nach, zu einem Wettbewerber zu wechseln, wenn sich nichts ändert. Und wie füge "
              "ich einen neuen Benutzer mit Leserechten hinzu? Danke, Jana")
NEUTRAL = {
    "en": "Could you send me a copy of last month's invoice? Thanks!",
    "es": "¿Cómo puedo añadir un nuevo usuario a nuestra cuenta?",
    "de": "Können Sie mir sagen, wie ich den Bericht als CSV exportiere?",
    "fr": "Bonjour, où puis-je changer l'adresse de facturation ?",
    "ja": "レポートの表示期間を変更する方法を教えてください。",
}


def ticket(i, days_ago, text, account="a1", who=""):
    return TicketRecord(id=str(i), subject="", body=text, created_at=NOW - days_ago * DAY,
                        requester=who or f"p{i}@{account}.test", account=account)


def readings(texts):
    tickets = [ticket(n, 1, text) for n, text in enumerate(texts)]
    return reading.read(tickets, embed(tickets))


def test_frustration_is_read_in_english_spanish_and_french_and_calm_questions_are_not():
    angry = readings(list(FRUSTRATED.values()))
    assert all(r.frustration >= churn.FRUSTRATED for r in angry), dict(zip(FRUSTRATED, angry))
    # each says what it was read from: the English tone, or the flagged example it reads like
    assert angry[0].why == "tone" and all(r.why.startswith("reads like «") for r in angry[1:])
    calm = readings(list(NEUTRAL.values()))
    assert all(r.frustration < churn.FRUSTRATED and r.leaving < reading.LEAVING for r in calm), dict(zip(NEUTRAL, calm))


@pytest.mark.xfail(strict=True, reason="known gap: Japanese exasperation that asks for nothing a flag names "
                                       "(0.08) is not read as frustrated")
def test_frustration_is_read_in_japanese():
    (r,) = readings([FRUSTRATED_JA])
    assert r.frustration >= churn.FRUSTRATED


def test_frustration_is_read_in_formal_german():
    # a known gap with earlier detectors (0.32, 0.51, 0.34); with the examples of distress said in passing
    # (examples_i) it reads 0.76
    (r,) = readings([FRUSTRATED_DE])
    assert r.frustration >= churn.FRUSTRATED


def test_an_intent_to_leave_is_read_in_any_language_with_what_it_reads_like():
    found = readings(list(LEAVING.values()))
    assert all(r.leaving >= reading.LEAVING and r.leaving_why for r in found), dict(zip(LEAVING, found))
    # a leaving line after the first 300 characters of a long German email (all the whole-ticket reading
    # sees) reads as leaving only sentence by sentence
    (r,) = readings([LEAVING_DE])
    assert r.leaving < reading.LEAVING
    mine = [ticket(1, 1, LEAVING_DE)]
    signals = ticket_signals(mine, embed(mine), [r])
    (again,) = intent_read(mine, signals).values()
    assert again.cancel_intent is True and "Wettbewerber" in again.intent_why


def test_a_repeat_is_the_same_account_about_the_same_thing_in_any_language():
    mine = [ticket(1, 9, "Dashboard not loading\nOur sales dashboard has been stuck on a blank page since Monday."),
            ticket(2, 8, "Invoice copy\nCould you send me a copy of last month's invoice?"),
            ticket(3, 5, "Re: panel\nEl panel de ventas sigue en blanco, no carga desde el lunes."),  # another person
            ticket(4, 4, "Neuer Benutzer\nWie füge ich einen neuen Benutzer hinzu?"),
            ticket(5, 3, "ダッシュボードが月曜日から真っ白で表示されません。", account="other"),  # not this account
            ticket(6, 30, "Le tableau de bord des ventes reste toujours vide, impossible de le charger.")]
    found = reading.repeats(mine, embed(mine))
    assert set(found) == {2} and found[2][0] == 0  # #3 repeats #1; #6 is weeks before, not within the window
    assert set(reading.repeats(mine, embed(mine), within_s=60 * DAY)) == {0, 2}  # #1 repeats #6 given the time


def test_an_account_is_at_risk_from_its_tickets_alone_and_ordinary_accounts_are_not():
    """The issue's example: a high-value account sends three frustrated tickets in two weeks (here in
    three languages, from two people) after weeks of calm questions; two small accounts ask one or
    two ordinary things. No billing at all."""
    tickets = [ticket(f"b{n}", 20 + 3 * n, text, account="big") for n, text in enumerate(NEUTRAL.values())]
    tickets += [ticket("s1", 40, NEUTRAL["de"], account="small"), ticket("t1", 33, NEUTRAL["en"], account="tiny")]
    tickets += [ticket(11, 12, FRUSTRATED["es"], account="big", who="ana@big.test"),
                ticket(12, 6, FRUSTRATED["en"], account="big", who="jo@big.test"),
                ticket(13, 2, FRUSTRATED["fr"], account="big", who="ana@big.test"),
                ticket(21, 5, NEUTRAL["fr"], account="small"), ticket(22, 3, NEUTRAL["es"], account="small"),
                ticket(31, 4, NEUTRAL["ja"], account="tiny")]
    accounts = {"big": Account("big", "Big Co", "enterprise", 250000), "small": Account("small", "Small", "starter", 900),
                "tiny": Account("tiny", "Tiny", "starter", 300)}
    findings = analyse(tickets, embed(tickets), accounts, NOW, 14 * DAY, examples=example_vectors())
    (risk,) = findings.risks
    assert risk.name == "Big Co" and risk.score >= churn.AT_RISK, risk
    assert risk.reasons[0].startswith("3 frustrated tickets in 14 days (usual for this account: 0.")
    assert all(f"#{n}" in risk.reasons[0] for n in (11, 12, 13))


def test_a_sign_counts_only_beyond_what_the_account_usually_shows():
    acct = Account("a1", "Big Co", "enterprise", 200000)
    mine = [ticket(n, 1 + n, "x") for n in range(6)]
    angry = {t.id: churn.TicketSignals(0.8, False) for t in mine[:3]} | {t.id: churn.TicketSignals(0.0, False)
                                                                        for t in mine[3:]}
    assert churn.score(acct, mine, angry, usual=churn.Usual(frustrated=0.02)).score == churn.WEIGHTS["frustrated"]
    # an account where half the tickets always read like this: three of six is its usual
    assert churn.score(acct, mine, angry, usual=churn.Usual(frustrated=0.5)).score == 0
    # one ticket of a kind is ordinary for any account (MIN_USUAL); two weigh half, three the whole
    calm = {t.id: churn.TicketSignals(0.0, False) for t in mine}
    lone = {**calm, "5": churn.TicketSignals(0.0, True, repeat_of="4", intent_why="rule: «cancel»")}
    assert churn.score(acct, mine, lone).score == 0
    two = {**lone, "4": churn.TicketSignals(0.0, True, repeat_of="3", intent_why="rule: «not renew»")}
    risk = churn.score(acct, mine, two)
    assert risk.reasons == ("wrote again about the same thing (2, usual 0.15): #4 after #3, #5 after #4",
                            "mentions cancelling or leaving (2, usual 0.15): #4 (rule: «not renew»), #5 (rule: «cancel»)")
    assert np.isclose(risk.score, (churn.WEIGHTS["repeat"] + churn.WEIGHTS["intent"]) / 2)
    assert churn.score(acct, mine, two, usual=churn.Usual(repeat=0.3, intent=0.3)).score == 0  # 1.8 usual


def test_three_tickets_about_leaving_put_a_calm_account_at_risk_two_do_not():
    acct = Account("a1", "Quiet Co", "growth", 40000)
    mine = [ticket(n, 1 + n, "x") for n in range(5)]
    calm = {t.id: churn.TicketSignals(0.0, False) for t in mine}
    leaving = {str(n): churn.TicketSignals(0.0, True, intent_why="«notice period»") for n in (1, 2, 3)}
    risk = churn.score(acct, mine, calm | leaving)
    assert risk.score >= churn.AT_RISK and risk.reasons == (
        "mentions cancelling or leaving (3, usual 0.15): #1 («notice period»), #2 («notice period»), "
        "#3 («notice period»)",)
    two = calm | {k: v for k, v in leaving.items() if k != "3"}
    assert 0 < churn.score(acct, mine, two).score < churn.AT_RISK
    # an account that often writes about its contract's end: three is its usual, not a sign
    assert churn.score(acct, mine, calm | leaving, usual=churn.Usual(intent=0.6)).score == 0


def test_an_accounts_usual_intent_is_shrunk_toward_everyones_read_the_way_its_window_is():
    """Everyone's baseline is read sentence by sentence, as a window's tickets are once their account
    shows a sign: an account with few baseline tickets and none of them about leaving is not made
    surprising by the cancellation questions every account sends."""
    cancel = "Hello, how do we cancel our subscription at the end of this month? Thanks, Sam"
    everyone = [ticket(n, 30, cancel if n % 5 == 0 else NEUTRAL["en"], account=f"o{n % 7}") for n in range(40)]
    said, read = read_leaving(everyone, [False] * len(everyone), at_most=40)
    assert (said, read) == (8, 40)
    assert read_leaving(everyone, [False] * len(everyone), at_most=10)[1] == 10  # an even sample
    quiet = [ticket(100 + n, 30, NEUTRAL["en"], account="k") for n in range(4)]
    usual = usual_intent(quiet, [False] * 4, prior=said / read)
    assert np.isclose(usual, 10 * 0.2 / 14)
    window = [ticket(200 + n, 2, NEUTRAL["en"], account="k") for n in range(20)]
    signals = {t.id: churn.TicketSignals(0.0, int(t.id) < 203) for t in window}  # three ask how to cancel
    acct = Account("k", "K", "growth", 50000)
    assert churn.score(acct, window, signals, usual=churn.Usual(intent=usual)).score == 0
    # read against the whole-ticket share instead (none), the same three would put it at risk
    assert churn.score(acct, window, signals, usual=churn.Usual(intent=0.0)).score >= churn.AT_RISK
