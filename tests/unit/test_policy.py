import json

import pytest

from app.core.domain import CategoryPolicy
from app.policy.schema import DEFAULT_POLICY, PolicyError, parse_policy_text, policy_to_dict


def test_example_from_the_issue_and_fallback_to_default():
    p = parse_policy_text('{"default": {"mode": "draft", "send_at": 0.9, "draft_at": 0.5}, '
                          '"categories": {"billing": {"mode": "auto", "send_at": 0.85, "draft_at": 0.5}}}')
    assert p.for_category("billing") == CategoryPolicy("auto", 0.85, 0.5)
    assert p.for_category("login_2fa") == CategoryPolicy("draft", 0.9, 0.5)
    assert p.for_category(None) == p.default


def test_yaml_and_partial_entries_inherit_the_default():
    p = parse_policy_text("default: {mode: shadow, send_at: 0.95}\ncategories:\n  billing: {mode: auto}\n")
    assert p.for_category("billing") == CategoryPolicy("auto", 0.95, 0.5)
    assert parse_policy_text(json.dumps(policy_to_dict(p))) == p


def test_solving_on_confirmation_is_off_unless_an_entry_says_so():
    p = parse_policy_text("categories:\n  howto_login: {mode: auto, solve_on_confirmation: true}\n  billing: {}\n")
    assert p.for_category("howto_login").solve_on_confirmation is True
    assert p.for_category("billing").solve_on_confirmation is False and p.default.solve_on_confirmation is False
    assert policy_to_dict(p)["categories"]["howto_login"]["solve_on_confirmation"] is True  # export shows it
    assert parse_policy_text(json.dumps(policy_to_dict(p))) == p


def test_embedded_default_sends_nothing():
    assert DEFAULT_POLICY.for_category("anything").mode == "draft"


@pytest.mark.parametrize("text,message", [
    ('{"default": {"mode": "yolo"}}', "mode must be one of"),
    ('{"default": {"send_at": 1.5}}', "send_at must be a number from 0 to 1"),
    ('{"default": {"send_at": true}}', "send_at must be a number"),
    ('{"categories": {"billing": {"send_at": 0.4, "draft_at": 0.6}}}', "draft_at"),
    ('{"categories": {"billing": {"threshold": 0.4}}}', "unknown field"),
    ('{"defaults": {}}', "unknown key"),
    ('{"default": {"solve_on_confirmation": "true"}}', "solve_on_confirmation must be true or false"),
    ("[1, 2]", "must be an object"),
    ("{: nope", "not valid JSON: line 1, column 2"),
    ("a: [1,\n  b: 2", r"not valid YAML: line 2, column 7: expected .,. or .\]., but got .<stream end>.$"),
])
def test_bad_policy_files_are_explained(text, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy_text(text)
