"""The stories package imports each name's module when first asked for: the sentence encoder
comes without the filer and the store, and every listed name is what it says."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import types
from importlib import import_module

import briefings.stories as stories


def test_every_listed_name_is_found_and_no_module_hides_one() -> None:
    for info in pkgutil.iter_modules(stories.__path__):
        import_module(f"{stories.__name__}.{info.name}")  # submodules set package attributes
    assert set(stories.__all__) == set(stories._WHERE)  # noqa: SLF001
    for name in stories.__all__:
        value = getattr(stories, name)
        assert not isinstance(value, types.ModuleType), name
        assert getattr(value, "__module__", stories.__name__).startswith(stories.__name__), name


def test_the_encoder_comes_without_the_filer_and_the_store() -> None:
    code = ("import sys, briefings.stories.embed; "
            "print(sorted(m for m in ('sqlalchemy', 'briefings.stories.filer', "
            "'briefings.stories.semantic') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from briefings.stories import StoryFiler  # the lazy name still resolves

    assert StoryFiler.__module__ == "briefings.stories.filer"
