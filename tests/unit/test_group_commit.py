import threading

from app.store.db import connect, migrate
from app.store.group_commit import GroupCommit


def test_concurrent_writes_are_committed_and_a_failing_one_fails_alone(tmp_path):
    path = str(tmp_path / "g.db")
    migrate(connect(path))
    writer = GroupCommit(path)
    results, errors = [], []

    def good(n):
        results.append(writer.run(lambda db: db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1)", [f"c{n}"]).rowcount))

    def bad():
        def boom(db):
            db.execute("INSERT INTO counters (name, value) VALUES ('bad', 1)")
            raise RuntimeError("this write is broken")
        try:
            writer.run(boom)
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=good, args=(n,)) for n in range(40)] + [threading.Thread(target=bad)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == [1] * 40 and errors == ["this write is broken"]
    names = {row["name"] for row in connect(path)["counters"].rows}
    assert names == {f"c{n}" for n in range(40)}  # the broken write left nothing behind


def test_a_result_is_only_returned_after_commit(tmp_path):
    path = str(tmp_path / "g.db")
    migrate(connect(path))
    writer = GroupCommit(path)
    writer.run(lambda db: db.execute("INSERT INTO counters (name, value) VALUES ('x', 7)"))
    # A fresh connection sees it: the write was committed before run() returned.
    assert connect(path)["counters"].get("x")["value"] == 7


def test_webhook_gets_503_with_retry_after_when_the_store_fails(settings):
    from app.web.factory import create_app
    from tests.conftest import created_event, zendesk_headers
    app = create_app(settings)
    connect(settings.db_path).execute("DROP TABLE jobs")  # the database can no longer take the job
    body = created_event(5)
    response = app.test_client().post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5" and "retry" in response.get_json()["error"]
