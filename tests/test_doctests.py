"""The docstring examples of kg/ and agent/ run as tests (they are the documentation a newcomer reads)."""
import doctest
import importlib
import pkgutil

import pytest

from kgrec import agent
from kgrec import kg

MODULES = sorted(info.name for package in (kg, agent)  # sub-packages too
                 for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."))


def with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    return [name for name in MODULES if any(t.examples for t in finder.find(importlib.import_module(name)))]


@pytest.mark.parametrize("name", with_examples())
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail (python -m doctest -v)"


def test_the_kg_package_documents_itself_with_examples():
    assert len([n for n in with_examples() if n.startswith("kgrec.kg.")]) >= 5
