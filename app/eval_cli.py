"""`deskhand train` and `deskhand eval`: teams check Deskhand on their own history first."""
from __future__ import annotations

import functools
import json

import click

from . import classifier
from .domain import Policy
from .engine import Engine, models_dir
from .history import HistoryError, read_tickets, training_set
from .policy import DEFAULT_POLICY, parse_policy_text


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


def _train(path, field, prefix, strict, data_dir: str | None):
    texts, labels = training_set(_read(path, field, prefix, strict))
    model = classifier.train(texts, labels)
    if data_dir:
        classifier.save(model, models_dir(data_dir))
    return model


@click.command()
@click.option("--history", "history_file", required=True, type=click.Path(dir_okay=False),
              help="Labelled tickets (JSONL, or a Zendesk export with --category-field/--category-tag-prefix).")
@ticket_source
@click.pass_obj
def train(settings, history_file, category_field, category_tag_prefix, strict) -> None:
    """Learn categories from labelled history and store a new model version."""
    model = _train(history_file, category_field, category_tag_prefix, strict, settings.data_dir)
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
@ticket_source
def eval_(history_file, tickets_file, policy_file, target_precision, as_json,
          category_field, category_tag_prefix, strict) -> None:
    """Train on history, then run the full pipeline in shadow over tickets and report."""
    from .evaluate import format_report, report, shadow_run
    policy: Policy = DEFAULT_POLICY
    if policy_file:
        with open(policy_file, encoding="utf-8") as fh:
            policy = parse_policy_text(fh.read(), policy_file)
    model = _train(history_file, category_field, category_tag_prefix, strict, None)
    tickets = _read(tickets_file, category_field, category_tag_prefix, strict)
    rows = shadow_run(Engine(model, []), policy, tickets, use_kb=False)
    result = report(rows, target_precision)
    result["model"] = model.version
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(format_report(result, target_precision))

