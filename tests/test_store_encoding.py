"""The store's records are written by orjson (speed) with the json module's bytes: what a reader reads
back is what was read, a hand edit's NaN and a damaged record's lone surrogate included."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edoc_cli.store import base

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_records_without_floats_are_the_json_modules_bytes(doc):
    assert base.encode(doc) == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def test_what_orjson_refuses_or_would_change_is_written_by_the_json_module(monkeypatch):
    assert base.encode({"n": 2 ** 70}) == '{"n":1180591620717411303424}'  # beyond 64 bits
    assert base.encode({"t": "a\ud800b"}) == '{"t":"a\ud800b"}'            # a lone surrogate, kept
    assert base.encode({1: "x"}) == '{"1":"x"}'                             # a key that is not text
    assert base.encode({"w": 0.8, "f": 1.5}) == '{"w":0.8,"f":1.5}'
    monkeypatch.setattr(base, "_NONFINITE_READ", False)
    doc = json.loads('{"x": NaN, "y": -Infinity}', parse_constant=base.nonfinite)
    assert base._NONFINITE_READ is True  # read from a file: from now on, the json module writes
    assert base.encode(doc) == '{"x":NaN,"y":-Infinity}'  # orjson would have written null


@pytest.mark.json_only(reason="a hand edit of the JSON store's file (PostgreSQL's json holds no NaN)")
def test_a_hand_edited_nan_survives_a_commit_of_the_json_store(edoc):
    """A record a person edited to hold NaN in a field of their own is rewritten with it, not null."""
    tid = edoc.open_ticket()
    text = edoc.store.read_text(encoding="utf-8").replace('"faq":{', '"extra":NaN,"faq":{', 1)
    edoc.store.write_text(text, encoding="utf-8")
    assert edoc.proc("note", tid, "-m", "Позвонил").code == 0
    assert '"extra":NaN' in edoc.store.read_text(encoding="utf-8")
