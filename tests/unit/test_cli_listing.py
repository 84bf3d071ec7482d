"""The helpers the command modules share: listings (``users list``, ``tokens list``, ``sessions list``) print JSON
with ``--json`` and a header and one line per item otherwise; commands on a named account (``users set-role``,
``sessions unlock`` ...) act on its id and print one line; an unknown username is refused by name."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from novamind_core.cli import common
from novamind_core.cli.common import act_on_account, print_listing, user_id_named
from novamind_core.domain.errors import NotFoundError

ITEMS = [{"id": 1, "name": "a"}, {"id": 22, "name": "bb"}]


def test_a_listing_with_json_prints_each_items_record_as_an_indented_array_and_no_header(capsys):
    status = print_listing(ITEMS, as_json=True, header="HEADER", line=lambda r: "never",
                           record=lambda r: {"id": r["id"]})
    out = capsys.readouterr().out
    assert status == 0
    assert out == json.dumps([{"id": 1}, {"id": 22}], indent=2) + "\n"


def test_a_listing_with_json_and_no_record_prints_the_items_themselves(capsys):
    print_listing(ITEMS, as_json=True, header="HEADER", line=lambda r: "never")
    assert json.loads(capsys.readouterr().out) == ITEMS


def test_a_listing_without_json_prints_the_header_then_one_line_per_item_in_order(capsys):
    status = print_listing(ITEMS, as_json=False, header="id  name", line=lambda r: f"{r['id']:>2}  {r['name']}")
    assert status == 0
    assert capsys.readouterr().out == "id  name\n 1  a\n22  bb\n"


def test_an_empty_listing_without_json_prints_only_the_header(capsys):
    print_listing([], as_json=False, header="id  name", line=str)
    assert capsys.readouterr().out == "id  name\n"


def _services(known: dict[str, int]) -> SimpleNamespace:
    def get_by_username(name: str) -> SimpleNamespace | None:
        return SimpleNamespace(id=known[name]) if name in known else None

    return SimpleNamespace(users=SimpleNamespace(get_by_username=get_by_username))


def test_a_username_names_its_account_id():
    assert user_id_named(_services({"dr.one": 7}), "dr.one") == 7  # type: ignore[arg-type]


def test_an_unknown_username_is_refused_naming_it():
    with pytest.raises(NotFoundError, match="no user named 'nobody'"):
        user_id_named(_services({"dr.one": 7}), "nobody")  # type: ignore[arg-type]


def test_a_command_on_a_named_account_acts_on_its_id_and_prints_one_line(monkeypatch, capsys):
    monkeypatch.setattr(common, "open_services", lambda: _services({"dr.one": 7}))
    acted: list[int] = []
    status = act_on_account("dr.one", lambda services, uid: acted.append(uid) or 3, lambda n: f"{n} session(s) ended")
    assert (status, acted, capsys.readouterr().out) == (0, [7], "3 session(s) ended\n")


def test_a_command_on_an_unknown_account_is_refused_before_it_acts(monkeypatch, capsys):
    monkeypatch.setattr(common, "open_services", lambda: _services({}))
    acted: list[int] = []
    with pytest.raises(NotFoundError, match="no user named 'nobody'"):
        act_on_account("nobody", lambda services, uid: acted.append(uid), str)
    assert acted == [] and capsys.readouterr().out == ""
