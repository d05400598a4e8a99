"""IntercomArticles against the Intercom sandbox over real HTTP (python-intercom -> httpx ->
werkzeug on 127.0.0.1), and the sandbox's shapes against Intercom's OpenAPI 2.16 description."""
from __future__ import annotations

import copy
import socket
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
import yaml

from connectors.errors import AuthFailed, RateLimited, Unavailable
from connectors.intercom_kb import IntercomArticles
from connectors.knowledge_base import ArticleChanges
from connectors.types import Article
from sandbox.intercom_api import create_intercom_app, intercom_article, intercom_state
from tests.fakes.served import Served

TOKEN = "sandbox-intercom-token"
T0 = 1767600000  # 2026-01-05T08:00:00Z
SPEC = Path(__file__).resolve().parent / "specs" / "intercom-api-2.16.yaml"  # see specs/README.md


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_articles(n: int, draft_every: int = 0) -> list[dict]:
    """n articles, ids 100.., updated one hour apart; every `draft_every`-th one a draft."""
    found = []
    for i in range(n):
        state = "draft" if draft_every and i % draft_every == draft_every - 1 else "published"
        found.append(intercom_article(
            {"id": 100 + i, "title": f"Article {i}", "body_html": f"<p>Body {i}</p>",
             "url": f"https://help.acme.test/en/articles/{100 + i}-article-{i}",
             "updated_at": T0 + 3600 * i}, state=state, created_at=T0 - 86400))
    return found


class Server(Served):
    """The sandbox app on a real local port, in a thread."""

    def __init__(self, articles: list[dict], token: str = TOKEN):
        super().__init__(create_intercom_app(articles, token))
        self.state = intercom_state(self.app)

    def pages_requested(self) -> list[int]:
        return [int(r["args"].get("page", 1)) for r in self.state.requests if r["path"] == "/articles"]


def connector(server: Server, token: str = TOKEN, per_page: int = 5) -> tuple[IntercomArticles, list]:
    kb = IntercomArticles(token=token, base_url=server.base_url, timeout_s=5)
    kb.per_page = per_page
    sleeps: list[float] = []
    kb._sleep = sleeps.append  # see the waits without taking them
    return kb, sleeps


# -- the connector ------------------------------------------------------------------------------

def test_pages_through_everything_and_keeps_only_published():
    articles = make_articles(23, draft_every=4)  # 5 drafts
    with Server(articles) as server:
        kb, sleeps = connector(server, per_page=5)
        changes = kb.changes()

    published = {a["id"] for a in articles if a["state"] == "published"}
    assert isinstance(changes, ArticleChanges)
    assert len(published) == 18
    assert {a.id for a in changes.articles} == published
    assert len(changes.articles) == 18  # no duplicates across pages
    assert changes.complete is True and changes.removed == ()
    newest = max(a["updated_at"] for a in articles if a["state"] == "published")
    assert changes.cursor == _iso(newest)
    # five pages, one request each: no trailing empty page, no retries
    assert server.pages_requested() == [1, 2, 3, 4, 5]
    assert all(r["args"]["per_page"] == "5" for r in server.state.requests)
    assert {r["version"] for r in server.state.requests} == {"2.14"}
    assert sleeps == []


def test_maps_fields():
    source = {"id": 4242, "title": "Reset your password", "url": "https://help.acme.test/en/articles/4242",
              "body_html": "<h2>Steps</h2><p>Click <b>Forgot password</b>.</p>",
              "updated_at": "2026-03-01T12:30:45Z"}
    item = intercom_article(source, created_at="2026-02-01T00:00:00Z", parent_ids=(18,))
    assert item["updated_at"] == 1772368245 and item["created_at"] == 1769904000
    with Server([item]) as server:
        kb, _ = connector(server)
        changes = kb.changes(since="2026-01-01T00:00:00Z")

    assert changes.articles == (Article(id="4242", title="Reset your password",
                                        body_html="<h2>Steps</h2><p>Click <b>Forgot password</b>.</p>",
                                        url="https://help.acme.test/en/articles/4242", labels=(),
                                        updated_at="2026-03-01T12:30:45Z"),)
    assert changes.cursor == "2026-03-01T12:30:45Z"


def test_null_body_and_url_map_to_empty_strings():
    item = intercom_article({"id": 7, "title": "Stub", "updated_at": T0})
    item["body"] = None
    with Server([item]) as server:
        (article,) = connector(server)[0].changes().articles
    assert article.body_html == "" and article.url == "" and article.updated_at == _iso(T0)


def test_empty_knowledge_base_is_complete_and_keeps_the_cursor():
    with Server([]) as server:
        kb, _ = connector(server)
        changes = kb.changes(since="2026-01-01T00:00:00Z")
    assert changes == ArticleChanges(articles=(), complete=True, cursor="2026-01-01T00:00:00Z")
    assert server.pages_requested() == [1]


def test_bad_token_fails_at_once_without_retry():
    with Server(make_articles(3)) as server:
        kb, sleeps = connector(server, token="wrong-token")
        with pytest.raises(AuthFailed) as caught:
            kb.changes()
    assert server.state.count() == 1 and sleeps == []
    assert "401" in str(caught.value) and "unauthorized" in str(caught.value)
    assert "wrong-token" not in str(caught.value)


def test_rate_limited_once_then_retried_honouring_retry_after():
    with Server(make_articles(7)) as server:
        server.state.fail_next(1, status=429, retry_after=2)
        kb, sleeps = connector(server, per_page=5)
        changes = kb.changes()
    assert len(changes.articles) == 7
    assert server.state.count() == 3  # 429, page 1, page 2
    assert server.pages_requested() == [1, 1, 2]
    assert sleeps == [2.0]


def test_long_retry_after_is_capped():
    with Server(make_articles(2)) as server:
        server.state.fail_next(1, status=429, retry_after=120)
        kb, sleeps = connector(server)
        assert len(kb.changes().articles) == 2
    assert sleeps == [5.0]


def test_rate_limit_that_persists_ends_in_rate_limited():
    with Server(make_articles(2)) as server:
        server.state.fail_next(5, status=429, retry_after=3)
        kb, sleeps = connector(server)
        with pytest.raises(RateLimited) as caught:
            kb.changes()
    assert server.state.count() == 3 and sleeps == [3.0, 3.0]
    assert caught.value.retry_after == 3.0


def test_repeated_server_errors_end_in_unavailable_after_bounded_retries():
    with Server(make_articles(2)) as server:
        server.state.fail_next(10, status=500)
        kb, sleeps = connector(server)
        with pytest.raises(Unavailable) as caught:
            kb.changes()
    assert server.state.count() == 3  # first try + 2 retries, and the SDK adds none
    assert sleeps == [0.5, 1.0]
    assert "500" in str(caught.value)


def test_failure_mid_listing_retries_only_that_page():
    with Server(make_articles(12)) as server:
        kb, sleeps = connector(server, per_page=5)
        real_list = kb.client.articles.list

        def list_failing_page_2_once(*, page, **kwargs):
            if page == 2 and server.pages_requested().count(2) == 0:
                server.state.fail_next(1, status=503)
            return real_list(page=page, **kwargs)

        kb.client.articles.list = list_failing_page_2_once
        changes = kb.changes()
    assert len(changes.articles) == 12 and changes.complete is True
    assert server.pages_requested() == [1, 2, 2, 3]
    assert sleeps == [0.5]


def test_unreachable_server_is_unavailable_after_bounded_retries():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kb = IntercomArticles(token=TOKEN, base_url=f"http://127.0.0.1:{port}", timeout_s=2)
    sleeps: list[float] = []
    kb._sleep = sleeps.append
    with pytest.raises(Unavailable):
        kb.changes()
    assert sleeps == [0.5, 1.0]


def test_timeouts_are_retried_then_unavailable():
    with Server(make_articles(2)) as server:
        server.state.stall_next(3, seconds=1.0)
        kb = IntercomArticles(token=TOKEN, base_url=server.base_url, timeout_s=0.2)
        sleeps: list[float] = []
        kb._sleep = sleeps.append
        with pytest.raises(Unavailable) as caught:
            kb.changes()
    assert "timed out" in str(caught.value)
    assert server.state.count() == 3 and sleeps == [0.5, 1.0]


def test_one_timeout_then_success():
    with Server(make_articles(2)) as server:
        server.state.stall_next(1, seconds=1.0)
        kb = IntercomArticles(token=TOKEN, base_url=server.base_url, timeout_s=0.2)
        kb._sleep = lambda s: None
        assert len(kb.changes().articles) == 2
    assert server.state.count() == 2


def test_article_edited_while_paging_makes_the_listing_incomplete():
    """Intercom sorts by updated_at: an edit mid-sync moves an article to page 1, which we have
    read already, and shifts another one past us. The list is then not the whole knowledge base,
    so the store must not drop anything on its strength."""
    with Server(make_articles(10)) as server:
        kb, _ = connector(server, per_page=3)
        real_list = kb.client.articles.list

        def list_with_edit_after_page_1(*, page, **kwargs):
            if page == 2:
                server.state.articles["100"]["updated_at"] = T0 + 10**6  # oldest becomes newest
            return real_list(page=page, **kwargs)

        kb.client.articles.list = list_with_edit_after_page_1
        changes = kb.changes()
    assert len(changes.articles) == 9
    assert "100" not in {a.id for a in changes.articles}
    assert changes.complete is False


# -- the sandbox against the spec -----------------------------------------------------------------

@lru_cache(maxsize=1)
def _spec() -> dict:
    return yaml.load(SPEC.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _to_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema 2020-12: `nullable` becomes a null type/enum member."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    # `nullable` as a keyword has a bool value; a property named "nullable" would have a schema
    out = {k: _to_json_schema(v) for k, v in node.items()
           if not (k == "nullable" and isinstance(v, bool))}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:  # a $ref, allOf or untyped schema: null is allowed beside it
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema  # test extra; imported here so the other tests run without it

    components = _to_json_schema(copy.deepcopy(_spec()["components"]))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": f"#/components/schemas/{name}", "components": components}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _assert_valid(name: str, instance) -> None:
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sandbox_article_list_matches_the_spec():
    articles = make_articles(7, draft_every=3)
    articles[0]["url"] = None  # nullable in the spec
    app = create_intercom_app(articles, TOKEN)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}

    first = client.get("/articles?per_page=3", headers=auth)
    assert first.status_code == 200
    body = first.get_json()
    _assert_valid("article_list", body)
    assert body["type"] == "list" and body["total_count"] == 7 and len(body["data"]) == 3
    assert body["pages"]["page"] == 1 and body["pages"]["per_page"] == 3
    assert body["pages"]["total_pages"] == 3
    # newest updated_at first, as the spec says
    assert [a["updated_at"] for a in body["data"]] == sorted(
        (a["updated_at"] for a in articles), reverse=True)[:3]
    # nothing the spec does not declare, and what the SDK model requires is there
    declared = set(_spec()["components"]["schemas"]["article_list_item"]["properties"])
    for item in body["data"]:
        assert set(item) <= declared, set(item) - declared
        assert {"id", "workspace_id", "title", "author_id", "state", "created_at",
                "updated_at"} <= set(item)
        assert isinstance(item["id"], str) and isinstance(item["author_id"], int)

    # pages.next is the spec's starting_after_paging object, and its cursor works
    nxt = body["pages"]["next"]
    assert set(nxt) == {"per_page", "starting_after"}
    second = client.get(f"/articles?per_page=3&starting_after={nxt['starting_after']}", headers=auth)
    _assert_valid("article_list", second.get_json())
    assert second.get_json()["pages"]["page"] == 2
    last = client.get("/articles?per_page=3&page=3", headers=auth).get_json()
    _assert_valid("article_list", last)
    assert "next" not in last["pages"] and len(last["data"]) == 1
    assert {a["id"] for a in body["data"] + second.get_json()["data"] + last["data"]} == {
        a["id"] for a in articles}


def test_sandbox_article_and_errors_match_the_spec():
    app = create_intercom_app(make_articles(2), TOKEN)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}

    one = client.get("/articles/101", headers=auth)
    assert one.status_code == 200 and one.get_json()["id"] == "101"
    _assert_valid("article", one.get_json())

    missing = client.get("/articles/999", headers=auth)
    assert missing.status_code == 404
    _assert_valid("error", missing.get_json())
    assert missing.get_json()["errors"][0]["code"] == "not_found"

    unauthorized = client.get("/articles", headers={"Authorization": "Bearer nope"})
    assert unauthorized.status_code == 401
    _assert_valid("error", unauthorized.get_json())
    assert unauthorized.get_json()["errors"] == [{"code": "unauthorized", "message": "Access Token Invalid"}]
    assert client.get("/articles").status_code == 401

    intercom_state(app).fail_next(1, status=429, retry_after=4)
    limited = client.get("/articles", headers=auth)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "4"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    _assert_valid("error", limited.get_json())


def test_spec_translation_catches_a_wrong_type():
    """The schema check is not vacuous: a wrong type and a bad enum value are refused."""
    item = make_articles(1)[0]
    bad = {"type": "list", "pages": {"type": "pages", "page": 1, "per_page": 1, "total_pages": 1},
           "total_count": 1, "data": [{**item, "id": 100, "state": "archived"}]}
    messages = [e.message for e in _validator("article_list").iter_errors(bad)]
    assert len(messages) == 2, messages


def test_without_base_url_it_talks_to_intercom_over_httpx():
    """The default host, and httpx underneath (whose errors `_translate` catches)."""
    kb = IntercomArticles(token=TOKEN)
    assert isinstance(kb.client._client_wrapper.httpx_client.httpx_client, httpx.Client)
    assert kb.client._client_wrapper.get_base_url() == "https://api.intercom.io"


def test_translations_kept_inside_an_article_are_articles_in_their_own_language():
    """Intercom keeps an article's translations in its `translated_content`: each published one is an
    article in its language (a customer is answered from the article in the language they wrote);
    a draft or empty translation is not."""
    item = intercom_article(
        {"id": 4242, "title": "Reset your password", "body_html": "<p>Click Forgot password.</p>",
         "url": "https://help.acme.test/en/articles/4242", "updated_at": T0},
        translations={"es": {"title": "Restablecer la contraseña", "body_html": "<p>Haz clic en ¿Olvidaste tu "
                             "contraseña?</p>", "url": "https://help.acme.test/es/articles/4242", "updated_at": T0 + 60},
                      "pt-BR": {"title": "Redefinir a senha", "body_html": "<p>Clique em Esqueci a senha.</p>",
                                "updated_at": T0},
                      "fr": {"title": "Brouillon", "body_html": "<p>Pas encore.</p>", "state": "draft", "updated_at": T0},
                      "de": {"title": "Leer", "body_html": "", "updated_at": T0}})
    with Server([item]) as server:
        articles = {a.id: a for a in connector(server)[0].changes().articles}
    assert set(articles) == {"4242", "4242@es", "4242@pt-BR"}
    assert articles["4242"].language == "en"
    spanish = articles["4242@es"]
    assert (spanish.language, spanish.title, spanish.url, spanish.updated_at) == (
        "es", "Restablecer la contraseña", "https://help.acme.test/es/articles/4242", _iso(T0 + 60))
    assert articles["4242@pt-BR"].language == "pt"
    assert articles["4242@pt-BR"].url == "https://help.acme.test/en/articles/4242"  # none of its own: the article's


def test_the_sample_help_center_s_spanish_articles_are_translations_in_the_intercom_sandbox():
    from sandbox.intercom_sandbox import IntercomSandbox
    sb = IntercomSandbox.from_seed().start()
    try:
        kb = IntercomArticles(token=sb.token, base_url=sb.url, timeout_s=5)
        articles = kb.changes().articles
    finally:
        sb.stop()
    spanish = {a.title for a in articles if a.language == "es"}
    assert spanish == {"Restablecer la contraseña o desbloquear la cuenta",
                       "Perdiste tu dispositivo de autenticación en dos pasos", "Descargar facturas y recibos",
                       "Exportar todos los datos del espacio de trabajo"}
    assert all(a.id.endswith("@es") for a in articles if a.language == "es")
