"""``--model FILE.py:FACTORY`` / ``model=``: a torch optimizer trains a network of your own.

The networks of docs/networks.py, each labelled from its mathematics before the checker ran (the
arguments are in docs/networks.md):

* a fully connected first layer from zero (the paper's case): SGD invariant, Adam pm1-invariant;
* an RMSNorm of the input in front (a function of ‖x‖): invariant;
* a LayerNorm of the input in front (the mean x·𝟙/d singles out 𝟙): not invariant, permutations;
* a convolution over the features (weights shared along the coordinates): not invariant, no symmetry;
* a spindly u⊙v first layer (a weight per coordinate; the dense layer after it absorbs a sign):
  not invariant, signed permutations;
* a factored first layer A·B with B from zero: invariant.

A factory of a plain zero ``nn.Linear(d, H)`` is the built-in layer: same verdict and output symmetry.
Negative controls: a factory that raises, returns no module, gives another width than ``--outputs``, or
has nothing to train, and a spec that names nothing, are one usage line each (exit 2 on the CLI).
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from conftest import ROOT  # noqa: E402

from invariance import check  # noqa: E402
from invariance.cli import main  # noqa: E402
from invariance.errors import UsageError  # noqa: E402

NETS = str(ROOT / "docs" / "networks.py")

LABELS = [
    ("torch.optim:SGD", "mlp", "invariant", "orthogonal"),
    ("torch.optim:Adam", "mlp", "pm1-invariant", "signed-permutations"),
    ("torch.optim:SGD", "rmsnorm_mlp", "invariant", "orthogonal"),
    ("torch.optim:SGD", "layernorm_mlp", "not-invariant", "permutations"),
    ("torch.optim:SGD", "conv", "not-invariant", "none"),
    ("torch.optim:SGD", "spindly", "not-invariant", "signed-permutations"),
    ("torch.optim:SGD", "low_rank", "invariant", "orthogonal"),
]


@pytest.mark.parametrize(("optimizer", "factory", "verdict", "symmetry"), LABELS,
                         ids=[f"{o.split(':')[1]}-{f}" for o, f, _, _ in LABELS])
def test_networks_of_the_docs_get_their_labels(optimizer, factory, verdict, symmetry):
    r = check(optimizer, model=f"{NETS}:{factory}", max_examples=25)
    assert r.verdict is not None, r.message
    assert (r.verdict.value, r.symmetry.value) == (verdict, symmetry), r.message
    assert r.fits is not None  # a torch learner says which path its fits took


LAYER = '''
import torch

def layer(d, outputs):
    m = torch.nn.Linear(d, outputs, bias=False)
    torch.nn.init.zeros_(m.weight)
    return m
'''


def test_a_plain_layer_of_your_own_is_the_builtin_layer(tmp_path):
    (tmp_path / "mine.py").write_text(LAYER)
    own = check("torch.optim:Adam", model=f"{tmp_path / 'mine.py'}:layer", outputs=3, max_examples=25)
    builtin = check("torch.optim:Adam", model="layer", outputs=3, max_examples=25)
    assert own.verdict == builtin.verdict and own.symmetry == builtin.symmetry
    assert own.output_symmetry == builtin.output_symmetry and own.output_symmetry is not None


BAD = '''
import torch

def raises(d, outputs):
    raise RuntimeError("no GPU here")

def not_a_module(d, outputs):
    return [d, outputs]

def two_wide(d, outputs):
    return torch.nn.Linear(d, 2, bias=False)

def frozen(d, outputs):
    return torch.nn.Flatten()

NOT_CALLABLE = 3
'''


@pytest.mark.parametrize(("spec", "extra", "words"), [
    ("raises", [], "building it at d = 3 and running it on 2 rows raised RuntimeError: no GPU here"),
    ("not_a_module", [], "returned a list, not a torch.nn.Module"),
    ("two_wide", ["--outputs", "3"], "returns 2 outputs per row, but --outputs 3 was asked"),
    ("frozen", [], "has no parameters to train"),
    ("NOT_CALLABLE", [], "is a int, not a factory"),
    ("missing", [], "has no"),
])
def test_a_bad_network_is_one_usage_line(spec, extra, words, tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.py").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    assert main(["torch.optim:SGD", "--model", f"bad.py:{spec}", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_a_model_that_is_neither_builtin_nor_a_factory_is_refused():
    with pytest.raises(UsageError, match="linear, layer, mlp, or FILE.py:FACTORY"):
        check("torch.optim:SGD", model="resnet")


DRAWN = '''
import torch

def drawn(d, outputs):
    return torch.nn.Linear(d, outputs, bias=False)  # torch's default initialisation, from the global generator
'''


def test_a_factory_drawing_from_the_global_generator_gets_the_fits_seed(tmp_path, monkeypatch):
    """The model of a fit seeded s is what the factory builds after ``torch.manual_seed(s)``, and the caller's
    stream is left as it was. Where no accelerator exists invcheck seeds only the CPU generator, without
    ``torch.manual_seed`` and its cost (made to raise here)."""
    import torch

    from invariance.adapters.torch.model import own_model
    from invariance.adapters.torch.options import TorchOptions

    (tmp_path / "drawn.py").write_text(DRAWN)
    opts = TorchOptions(model=f"{tmp_path / 'drawn.py'}:drawn")
    dtype = torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(123)
        before = torch.random.get_rng_state()
        with monkeypatch.context() as m:
            if not torch.accelerator.is_available():
                m.setattr(torch, "manual_seed", lambda seed: pytest.fail("torch.manual_seed called"))
            built = [own_model(torch, 4, opts, s).weight.detach() for s in (5, 6, 5)]
        assert torch.equal(torch.random.get_rng_state(), before)
        torch.manual_seed(5)
        torch.set_default_dtype(torch.float64)
        try:
            expected = torch.nn.Linear(4, 1, bias=False).weight.detach()
        finally:
            torch.set_default_dtype(dtype)
    assert torch.equal(built[0], expected) and torch.equal(built[0], built[2])
    assert not torch.equal(built[0], built[1])


OPTIMIZERS = '''
import torch

class MySGD(torch.optim.SGD):
    pass

class Other(torch.optim.Optimizer):
    def step(self, closure=None):
        pass

from torch.optim import Adam  # imported, not defined here
'''


def test_a_file_of_optimizers_given_alone_says_how_to_name_one(tmp_path, capsys):
    """``invcheck FILE.py`` loads the learners a file defines; a file of torch optimizer classes gets the usage
    line, naming the optimizers it defines (not those it imports) and how to check one (exit 2)."""
    path = tmp_path / "opts.py"
    path.write_text(OPTIMIZERS)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert f"it defines torch optimizers (MySGD, Other): check one as {path}:MySGD" in err, err
    assert "Adam" not in err.split("torch optimizers")[1]
