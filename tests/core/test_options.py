"""The options table (invariance/options.py): the parser, config_from, the torch adapter's checks and the
replay command are all read off it, so a flag set on the command line survives the replay command."""

from __future__ import annotations

import shlex
from dataclasses import fields

import pytest

from invariance.adapters.torch.options import DEFAULTS, TorchOptions
from invariance.api import config_from
from invariance.cli.check import _check_parser, _options
from invariance.errors import UsageError
from invariance.options import ADAPTER, NAMES, OPTIONS, TORCH, by_name, flag_of_key, in_section
from invariance.result.build import command_for


def _config(argv: list[str]):
    return config_from(**_options(_check_parser().parse_args(argv)))


def test_every_option_has_one_flag_whose_dest_is_its_name():
    actions = {a.dest: a for a in _check_parser()._actions}
    for option in OPTIONS:
        assert option.name in actions, option.name
        assert actions[option.name].option_strings == list(option.flags)
    assert len(set(NAMES)) == len(NAMES)


def test_the_torch_options_are_the_adapters_fields():
    torch_keys = [o.key for o in OPTIONS if o.section == TORCH]
    assert set(torch_keys) <= {f.name for f in fields(TorchOptions)}
    assert list(DEFAULTS) == torch_keys
    assert all(o.home == ADAPTER for o in OPTIONS if o.section == TORCH)


def test_help_lists_outputs_right_after_model():
    names = [o.name for o in in_section(TORCH)]
    assert names[names.index("model") + 1] == "outputs"


def test_flag_of_an_adapter_key():
    assert flag_of_key("optimizer_kwargs") == "--opt"
    assert flag_of_key("batch_size") == "--batch-size"
    assert by_name("verbose").flags == ("-v", "--verbose")


ARGV = ["algorithms.gd", "--seed", "4", "--max-examples", "7", "--timeout", "3.5", "--samples", "50", "--alpha",
        "0.05", "--precision", "float32", "--max-d", "9", "--min-n", "3", "--n-above-d", "--passes", "2", "--lr", "0.1",
        "--batch-size", "4", "--model", "mlp", "--hidden", "8", "--activation", "relu", "--init", "uniform",
        "--device", "cpu", "--opt", "betas=[0.9,0.99]", "--opt", "eps=a b"]


def test_the_replay_command_sets_what_the_command_line_set():
    config = _config(ARGV)
    command = command_for("algorithms.gd", config, randomized=True)
    assert command is not None
    again = _config(shlex.split(command)[1:])
    assert again == config and again.options == config.options
    assert command_for("algorithms.gd", again, randomized=True) == command


def test_the_replay_command_of_a_plain_check():
    assert command_for("algorithms.gd", _config(["algorithms.gd"])) == "invcheck algorithms.gd --seed 0"
    assert command_for("<lambda>", _config(["algorithms.gd"])) is None


@pytest.mark.parametrize(
    "options, words",
    [
        ({"max_exampels": 3}, "unknown option max_exampels=3; did you mean max_examples=?"),
        ({"foo": 1}, "unknown option foo=1; options are " + ", ".join(NAMES)),
        ({"max_examples": 0}, "max_examples must be a whole number ≥ 1, got 0"),
        ({"timeout": 0}, "timeout must be positive seconds, got 0"),
        ({"samples": 1}, "samples must be a whole number ≥ 2, got 1"),
        ({"alpha": 2}, "alpha must lie in (0, 1), got 2"),
        ({"precision": "float8"}, "precision 'float8' is not one of float64, float32, tf32, float16, bfloat16"),
        ({"opt": "lr=1"}, "opt must be a dict of optimizer keyword arguments, got 'lr=1'"),
    ],
)
def test_config_from_refuses_a_bad_option_in_one_line(options, words):
    with pytest.raises(UsageError) as info:
        config_from(**options)
    assert str(info.value) == words


def test_the_adapter_options_wait_for_the_adapter():
    assert config_from(passes=0).options == {"passes": 0}  # a NumPy learner ignores it (with a warning)
    with pytest.raises(UsageError, match="^passes must be a positive integer, got 0$"):
        TorchOptions.from_options({"passes": 0})
    with pytest.raises(UsageError, match="^activation 'sigmoid' is not one of tanh, relu, identity$"):
        TorchOptions.from_options({"activation": "sigmoid"})


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--max-examples", "0"], "--max-examples must be at least 1, got 0"),
        (["--timeout", "-1"], "--timeout must be positive, got -1.0"),
        (["--opt", "noequals"], "--opt 'noequals' is not KEY=VALUE; e.g. --opt betas=[0.9,0.999]"),
    ],
)
def test_the_command_line_words_its_own_checks(argv, words):
    from invariance.cli.check import run

    with pytest.raises(UsageError) as info:
        run(["algorithms.gd", *argv])
    assert str(info.value) == words


# ------------------------------------------------------------- messages in the words of the surface asking


def test_api_messages_name_keywords_and_cli_messages_name_flags(capsys):
    """The same mistake, asked twice: the API answers in keywords (``passes``, ``lr``), the command line
    in flags (``--passes``, ``--lr``); an API user has no ``--passes`` to type."""
    import invariance
    from invariance.cli import main
    from invariance.errors import UsageError

    with pytest.raises(UsageError) as caught:
        invariance.check("torch.optim:SGD", passes=0)
    assert str(caught.value) == "passes must be a positive integer, got 0"
    r = invariance.check("algorithms.gd", lr=0.1, max_examples=5)
    assert r.warnings[0].startswith("lr ignored:") and "--lr" not in r.warnings[0]
    assert main(["torch.optim:SGD", "--passes", "0"]) == 2
    assert capsys.readouterr().err.strip() == "invcheck: error: --passes must be a positive integer, got 0"
    assert main(["algorithms.gd", "--lr", "0.1", "--max-examples", "5", "--json"]) == 0
    assert "--lr ignored:" in capsys.readouterr().out


def test_worker_processes_spell_for_the_command_line_too(tmp_path, monkeypatch, capsys):
    """With -j 2 the learners run in spawned processes: they must see the command line's surface too."""
    import json

    from helpers import SURFACE_LEARNERS

    from invariance.cli import main

    (tmp_path / "surf.py").write_text(SURFACE_LEARNERS)
    monkeypatch.chdir(tmp_path)
    main(["surf.py", "-j", "2", "--json"])
    doc = json.loads(capsys.readouterr().out)
    messages = [r["message"] for r in doc["results"]]
    assert len(messages) == 2 and all("surface=cli" in m for m in messages), messages
