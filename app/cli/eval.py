"""`deskhand train` and `deskhand eval`: teams check Deskhand on their own history first."""
from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import click

from app.core.domain import Policy
from app.policy.schema import DEFAULT_POLICY, parse_policy_text
from app.reasoning.training_data import HistoryError, read_tickets

# The classifier, the engine and the knowledge index (scikit-learn, the encoders) are imported inside
# the commands that use them, so that `deskhand --help` starts at once.


def ticket_source(fn):
    """The options that say how to read a ticket file."""
    @click.option("--category-field", default="", help="Zendesk export: custom field id holding the category.")
    @click.option("--category-tag-prefix", default="", help="Zendesk export: the category is the tag after this prefix.")
    @click.option("--strict", is_flag=True, help="Fail on the first malformed line instead of skipping it.")
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def _read(path: str, field: str, prefix: str, strict: bool):
    tickets, problems = read_tickets(path, field, prefix, strict)
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)
    if not tickets:
        raise HistoryError(f"{path} holds no readable tickets")
    return tickets


def _train(path, field, prefix, strict, data_dir: str | None, hold_out: int = 0, product_map=None):
    """Train the classifier (with the product map's page areas, as the worker does); with
    `hold_out`, keep that many labelled tickets out of training (for fitting the LLM combiner on
    answers the classifier has not seen)."""
    tickets = [t for t in _read(path, field, prefix, strict) if t.category]
    random.Random(7).shuffle(tickets)
    held, rest = tickets[:hold_out], tickets[hold_out:]
    from app.cli.progress import StepsLine
    from app.reasoning import classifier
    from app.reasoning.engine import models_dir, train_model
    line = StepsLine(f"training on {len(rest)} tickets of {path}")
    model = train_model(rest, product_map, progress=line)
    line.close()
    if data_dir:
        classifier.save(model, models_dir(data_dir))
    return model, held


def _knowledge(settings, spec: str | None):
    """`--kb`: a folder of Markdown, `sample`, or a configured source (`zendesk`, `intercom`)."""
    from app.knowledge.search import KnowledgeIndex
    if not spec:
        return KnowledgeIndex([])
    from app.build import build_knowledge_sources
    from app.knowledge.store import index_of
    if Path(spec).is_dir():
        spec = f"markdown:{spec}"
    elif spec == "sample":
        spec = "markdown:sample"
    elif spec not in ("zendesk", "intercom"):
        raise click.BadParameter(f"{spec!r} is not a folder, 'sample', 'zendesk' or 'intercom'", param_hint="--kb")
    [source] = build_knowledge_sources(settings.with_overrides(kb_sources=spec))
    index, problems = index_of(source)
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)
    if not index.passages:
        raise click.BadParameter(f"{spec} holds no published articles", param_hint="--kb")
    return index


def _llm(settings, offline, held, data_dir: str | None):
    from app.build import CALIBRATOR_FILE, with_llm
    from app.reasoning.engine import models_dir
    from app.reasoning.llm_engine import fit_calibrator
    llm = with_llm(settings, offline)
    if held:
        llm.calibrator, summary = fit_calibrator(llm, held)
        click.echo(f"LLM combiner fitted on {summary['tickets']} held-out tickets "
                   f"({summary['failures']} failed calls, ${summary['cost_usd']:.4f})", err=True)
        if llm.calibrator and data_dir:
            llm.calibrator.save(Path(models_dir(data_dir)) / CALIBRATOR_FILE)
    return llm


@click.command()
@click.option("--history", "history_file", required=True, type=click.Path(dir_okay=False),
              help="Labelled tickets (JSONL, or a Zendesk export with --category-field/--category-tag-prefix).")
@click.option("--llm-calibration", default=0, show_default=True, type=click.IntRange(0),
              help="With engine=llm: hold out this many tickets and fit the LLM confidence combiner on them.")
@ticket_source
@click.pass_obj
def train(settings, history_file, llm_calibration, category_field, category_tag_prefix, strict) -> None:
    """Learn categories from labelled history and store a new model version."""
    from app.build import build_product_map
    model, held = _train(history_file, category_field, category_tag_prefix, strict, settings.data_dir,
                         llm_calibration if settings.engine == "llm" else 0, build_product_map(settings))
    if held:
        from app.knowledge.search import KnowledgeIndex
        from app.reasoning.engine import Engine
        _llm(settings, Engine(model, KnowledgeIndex([]), build_product_map(settings)), held, settings.data_dir)
    click.echo(f"trained model {model.version} on {model.n_train} tickets, "
               f"{len(model.categories)} categories: {', '.join(model.categories)}")


@click.command("eval")
@click.option("--history", "history_file", required=True, type=click.Path(dir_okay=False),
              help="Labelled tickets to train on.")
@click.option("--tickets", "tickets_file", required=True, type=click.Path(dir_okay=False),
              help="Labelled tickets to judge (gold `category`, optional `expect`).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), help="Policy file (default: embedded).")
@click.option("--target-precision", default=0.95, show_default=True, type=click.FloatRange(0.5, 1.0),
              help="Precision the proposed send_at thresholds aim for.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object on the last line.")
@click.option("--engine", type=click.Choice(["offline", "llm"]), help="Override the configured engine.")
@click.option("--kb", "kb_spec", metavar="DIR_OR_SOURCE",
              help="Compose and check replies from this knowledge base: a Markdown folder, 'sample', 'zendesk' or 'intercom'.")
@click.option("--llm-calibration", default=0, show_default=True, type=click.IntRange(0),
              help="With --engine llm: history tickets held out to fit the confidence combiner.")
@ticket_source
@click.pass_obj
def eval_(settings, history_file, tickets_file, policy_file, target_precision, as_json, engine, kb_spec,
          llm_calibration, category_field, category_tag_prefix, strict) -> None:
    """Train on history, then run the full pipeline in shadow over tickets and report."""
    from app.pipeline.think import Guardrails
    from app.reasoning.engine import Engine
    from app.replay.evaluate import format_report, knowledge_report, report, shadow_run
    policy: Policy = DEFAULT_POLICY
    if policy_file:
        with open(policy_file, encoding="utf-8") as fh:
            policy = parse_policy_text(fh.read(), policy_file)
    use_llm = (engine or settings.engine) == "llm"
    knowledge = _knowledge(settings, kb_spec)  # before training: a wrong --kb fails in a second
    from app.build import build_product_map
    product_map = build_product_map(settings)
    model, held = _train(history_file, category_field, category_tag_prefix, strict, None,
                         llm_calibration if use_llm else 0, product_map)
    tickets = _read(tickets_file, category_field, category_tag_prefix, strict)
    from app.reasoning.model_card import text_digest
    seen = set(model.info.get("seen", ()))
    trained = [t for t in tickets if text_digest(t.body) in seen]
    if trained:  # measured on what it trained on, a model looks better than it is
        tickets = [t for t in tickets if text_digest(t.body) not in seen]
        if not tickets:
            raise click.ClickException(f"every ticket in {tickets_file} is also in {history_file}: evaluate on "
                                       "tickets the model does not train on")
        click.echo(f"left out {len(trained)} tickets of {tickets_file} that are also in {history_file}; the report "
                   f"covers the other {len(tickets)}", err=True)
    offline = Engine(model, knowledge, product_map)
    judge = _llm(settings, offline, held, None) if use_llm else offline
    rails = Guardrails(settings.canary_list, settings.link_hosts, settings.ai_label)
    from app.cli.progress import Progress
    billing = _billing(settings) if kb_spec else None
    line = Progress(len(tickets), "judged")
    rows = shadow_run(judge, policy, tickets, use_kb=bool(kb_spec), rails=rails, on_ticket=line.update,
                      account=_account_lookup(settings, billing) if billing else None)
    line.close()
    result = report(rows, target_precision)
    if kb_spec:
        result.update(knowledge_report(rows))
        if billing is None:  # nothing was looked up: no figure, rather than a misleading 0
            result["answered_from_account"] = None
    result["model"] = judge.model_version
    result["left_out_as_trained_on"] = len(trained)
    if use_llm:
        result["llm_tokens"] = sum(r.tokens for r in rows)
        result["llm_cost_usd"] = round(sum(r.cost_usd for r in rows), 4)
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(format_report(result, target_precision))
    _save_run(settings, result, target_precision)


def _billing(settings):
    """The configured billing system (reads only here), or None."""
    from app.build import build_systems
    return build_systems(settings).billing


def _account_lookup(settings, billing):
    """Each ticket's requester's billing account, as the worker looks it up (by the requester's email)."""
    import time

    from app.pipeline.actions import Caps
    from app.pipeline.think import Account
    caps = Caps(settings.refund_cap, settings.refunds_per_customer_30d)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def lookup(ticket) -> Account:
        from app.pipeline.gather import interval_quote
        email = ticket.requester.get("email", "")
        found = billing.account(email) if email else None
        return Account(found, now, caps, 0, lambda sid, interval, starts: interval_quote(
            billing, found, sid, interval, starts))
    return lookup


def _save_run(settings, result: dict, target_precision: float) -> None:
    """Keep the per-category table in the configured data dir's database, where the admin views
    (the Zendesk app's nav_bar, /admin) show measured precision and proposed thresholds beside
    the policy. The report is already printed: a database that cannot be written is a note."""
    import sqlite3

    from app.store import eval_runs
    from app.store.db import connect, migrate
    try:
        db = connect(settings.db_path)
        try:
            migrate(db)
            eval_runs.record(db, result, target_precision)
        finally:
            db.conn.close()
    except (sqlite3.Error, OSError) as exc:
        click.echo(f"eval figures not saved to {settings.db_path}: {exc}", err=True)

