"""`taper` command: the JSON contract, the clinician's step length and occupancy step, and bad input with exit 2."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_taper_answers_with_steps_method_and_source(capsys):
    out = _json(capsys, ["taper", "--drug", "sertraline", "--from-mg", "100", "--json"])
    assert {"steps", "method", "source"} <= set(out)
    assert "Horowitz" in out["source"] and "occupancy" in out["method"]
    steps = out["steps"]
    assert all({"week", "dose_mg", "sert_occupancy_percent"} <= set(s) for s in steps)
    assert steps[0]["dose_mg"] == 100 and steps[-1]["dose_mg"] == 0 and steps[-1]["sert_occupancy_percent"] == 0
    doses = [s["dose_mg"] for s in steps]
    assert doses == sorted(doses, reverse=True)
    assert "oral concentrate" in steps[-2]["how_to_give"]


def test_taper_follows_the_chosen_step_length_and_occupancy_step(capsys):
    out = _json(capsys, ["taper", "--drug", "escitalopram", "--from-mg", "20", "--step-occupancy-points", "5",
                         "--weeks-per-step", "2", "--json"])
    weeks = [s["week"] for s in out["steps"]]
    assert weeks == [2.0 * i for i in range(len(weeks))]
    occ = [s["sert_occupancy_percent"] for s in out["steps"]]
    assert max(a - b for a, b in zip(occ, occ[1:], strict=False)) <= 5.1
    assert out["weeks_per_step"] == 2 and out["step_occupancy_points"] == 5


def test_taper_prints_a_readable_table_without_json(capsys):
    assert main(["taper", "--drug", "citalopram", "--from-mg", "20"]) == 0
    text = capsys.readouterr().out
    assert "citalopram taper from 20 mg/day" in text and "source: Horowitz" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--drug", "bupropion", "--from-mg", "150"], "does not bind SERT"),
    (["--drug", "nosuchdrug", "--from-mg", "10"], "unknown drug"),
    (["--drug", "sertraline", "--from-mg", "-5"], "--from-mg"),
    (["--drug", "sertraline", "--from-mg", "50", "--weeks-per-step", "0"], "--weeks-per-step"),
    (["--drug", "sertraline", "--from-mg", "50", "--step-occupancy-points", "80"], "--step-occupancy-points"),
    (["--drug", "sertraline", "--from-mg", "50", "--cyp2c19", "XX"], "CYP2C19"),
])
def test_bad_taper_input_exits_2_with_a_clear_message(capsys, argv, message):
    assert main(["taper", *argv, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err


def test_a_dose_that_is_not_a_number_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["taper", "--drug", "sertraline", "--from-mg", "abc"])
    assert exc.value.code == 2
