"""The optional dependencies of the learned codes: PyTorch (the ``learned`` extra) and data files.

``import codedcomp`` and ``codedcomp --help`` never import PyTorch; every entry point of the
learned codes calls :func:`torch_module` first, which imports it or raises one line saying how to
install it.
"""

from __future__ import annotations

from types import ModuleType

INSTALL_HINT = "pip install 'codedcomp[learned]'"


class MissingDependencyError(ValueError):
    """An optional dependency (PyTorch, a data set's package) is not installed.

    A ``ValueError`` so that the CLI's ``user_errors`` prints it as one line (exit 2) in every
    command, ``reproduce`` included; the message names what to install.
    """


def torch_module() -> ModuleType:
    """``import torch``, or :class:`MissingDependencyError` with the install command."""
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(
            f"learned codes need PyTorch (the CPU wheel, torch==2.13.0): {INSTALL_HINT}"
        ) from None
    return torch


def has_torch() -> bool:
    """Whether PyTorch can be imported (without importing it when it is absent)."""
    import importlib.util

    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False
