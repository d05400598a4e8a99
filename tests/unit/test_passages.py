"""Articles → passages: sections at headings, long sections split, ids stable across syncs."""
from app.knowledge.passages import MAX_WORDS, chunk
from connectors.types import Article

STEPS = "<ol><li>Open Reports.</li><li>Click New schedule.</li></ol>"


def test_an_article_is_split_at_its_headings_with_stable_ids():
    article = Article("42", "Schedule a report", "<p>Intro words.</p><h2>From the Scheduled reports page</h2>"
                      + STEPS + "<h3>From a dashboard</h3><p>Click Schedule email.</p>", "https://hc/42",
                      labels=("howto_reports",), updated_at="2026-01-01T00:00:00Z")
    passages = chunk(article, "zendesk")
    assert [p.id for p in passages] == ["zendesk:42#0", "zendesk:42#1", "zendesk:42#2"]
    assert [p.heading for p in passages] == ["", "From the Scheduled reports page", "From a dashboard"]
    assert passages[1].text == "1. Open Reports.\n2. Click New schedule." and passages[1].has_steps
    assert not passages[0].has_steps and not passages[2].has_steps
    assert all(p.article_key == "zendesk:42" and p.url == "https://hc/42" and p.labels == ("howto_reports",)
               for p in passages)
    assert chunk(article, "zendesk") == passages  # same article, same passages and ids
    assert "From a dashboard" in passages[2].embedded_text and "Schedule a report" in passages[2].embedded_text


def test_a_long_section_is_split_at_paragraphs_but_a_list_stays_whole():
    para = "<p>" + " ".join(["word"] * 120) + "</p>"
    steps = "<ol>" + "".join(f"<li>step {i} " + "x " * 10 + "</li>" for i in range(8)) + "</ol>"
    passages = chunk(Article("7", "Long", para + para + steps + para, ""), "markdown")
    assert len(passages) >= 3
    assert all(len(p.text.split()) <= MAX_WORDS for p in passages)
    assert sum(p.text.count("step ") for p in passages) == 8
    assert len([p for p in passages if p.has_steps]) == 1  # the list is in one passage


def test_an_empty_article_still_has_one_passage_to_cite():
    [p] = chunk(Article("1", "Title only", "", ""), "zendesk")
    assert p.id == "zendesk:1#0" and p.text == ""


def test_inline_markup_keeps_the_spaces_around_it():
    from app.knowledge.text import html_to_text
    html = "<p>Open the <strong>Share</strong> panel and click\n  <code>Done</code>.</p><ol><li> Go to <b>Settings</b> </li></ol>"
    assert html_to_text(html) == "Open the Share panel and click Done.\n\n1. Go to Settings"
