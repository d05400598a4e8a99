"""app/core/strict.py: the parsing every endpoint uses for ids, numbers, JSON bodies and secrets."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.strict import MAX_ID_DIGITS, BadInput, is_id, json_depth_ok, parse_id, parse_int, parse_json, same_secret


@pytest.mark.parametrize("value,expected", [("2002", "2002"), (2002, "2002"), ("0", "0"), ("007", "007"),
                                            ("9" * MAX_ID_DIGITS, "9" * MAX_ID_DIGITS), (10**19, str(10**19))])
def test_ids_are_ascii_digits(value, expected):
    assert parse_id(value, "ticket id") == expected and is_id(value)


@pytest.mark.parametrize("value", ["", "²", "٣", "１２", "𝟕", " 1", "1 ", "-1", "+1", "1.0", "1e3", "0x1",
                                   "9" * (MAX_ID_DIGITS + 1), "9" * 400, -1, 10**MAX_ID_DIGITS, True, False, None,
                                   1.0, [1], {"id": 1}, "\ud800"])
def test_anything_else_is_not_an_id(value):
    with pytest.raises(BadInput) as refused:
        parse_id(value, "ticket id")
    assert refused.value.status == 400 and refused.value.message.startswith("ticket id must be a number")
    assert not is_id(value)


def test_a_refused_value_is_quoted_short():
    with pytest.raises(BadInput) as refused:
        parse_id("x" * 100000, "ticket id")
    assert len(refused.value.message) < 200


def test_whole_numbers_in_a_range():
    assert parse_int("5", "n", 1, 500) == 5 and parse_int(" 5 ", "n", 1, 500) == 5 and parse_int(5, "n", 1, 500) == 5
    assert parse_int(None, "n", 1, 500, default=50) == 50
    for bad in ("0", "501", "²", "٣", "9" * 30, "", "5.0", "-5", True, 5.0, None, [5], "1_0"):
        with pytest.raises(BadInput, match=r"n must be a whole number from 1 to 500"):
            parse_int(bad, "n", 1, 500)


def test_secrets_compare_as_utf8_bytes():
    assert same_secret("tökén", "tökén") and same_secret("abc", "abc")
    assert not same_secret("é", "e") and not same_secret("", "") and not same_secret("a", "")
    assert not same_secret("\ud800", "x") and not same_secret(None, "x")  # never raises


def test_json_bodies():
    assert parse_json(b'{"a": [1, "\\u00e9", "\\ud83d\\ude00"]}') == {"a": [1, "é", "😀"]}
    assert parse_json(b"\xef\xbb\xbf{}") == {}  # a UTF-8 byte order mark
    assert parse_json('{"a": 1}') == {"a": 1}
    nested = b"[" * 32 + b"]" * 32
    assert parse_json(nested) and json_depth_ok('"[[[[" ' * 40)  # brackets inside strings do not count


@pytest.mark.parametrize("raw,status,message", [
    (b"", 400, "not valid JSON"), (b"{not json", 400, "not valid JSON"), (b"\xff\xfe", 400, "not UTF-8"),
    (b'{"a": "\xed\xa0\x80"}', 400, "not UTF-8"),  # a surrogate encoded in the bytes
    ('{"a": "x"}'.encode("utf-16"), 400, "not UTF-8"),
    (b'"\\ud800"', 400, "lone surrogate"), (b'{"\\udc00": 1}', 400, "lone surrogate"),
    (b'[1, {"a": ["\\ud83d"]}]', 400, "lone surrogate"),
    (b"NaN", 400, "not valid JSON"), (b'{"a": -Infinity}', 400, "not valid JSON"),
    (b"9" * 5000, 400, "not valid JSON"),
    (b"[" * 33 + b"]" * 33, 400, "nested deeper than 32"), (b"[" * 1000000, 400, "nested deeper"),
    (b'{"a":' * 100000 + b"1" + b"}" * 100000, 400, "nested deeper"),
    (b" " * (2 * 1024 * 1024), 413, "larger than"),
])
def test_bad_json_bodies_say_why(raw, status, message):
    with pytest.raises(BadInput) as refused:
        parse_json(raw)
    assert refused.value.status == status and message in refused.value.message


def test_limits_are_parameters():
    assert parse_json(b"[[[1]]]", max_depth=3) == [[[1]]]
    with pytest.raises(BadInput, match="deeper than 2"):
        parse_json(b"[[[1]]]", max_depth=2)
    with pytest.raises(BadInput) as refused:
        parse_json(b"[1, 2]", max_bytes=5)
    assert refused.value.status == 413
    assert parse_json(b" " * 10 + b"[]", max_bytes=None) == []


LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None, database=None)
@given(JSON, st.booleans())
def test_any_json_document_within_the_bounds_reads_back_the_same(value, ascii_only):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert parse_json(raw, max_depth=100) == value


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300) | st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_are_a_document_or_bad_input(raw):
    try:
        data = parse_json(raw)
    except BadInput as exc:
        assert exc.status == 400 and exc.message
    else:
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # whatever is accepted can be stored


def test_a_signed_webhook_s_lone_surrogate_is_repaired_not_refused():
    from app.core.strict import parse_json
    assert parse_json(b'{"id": "n\\ud800", "k": ["\\udc00x"]}', repair_surrogates=True) == {"id": "n\ufffd",
                                                                                         "k": ["\ufffdx"]}
