"""The project's version: pyproject.toml's, read from the installed package's metadata (make setup
installs it), or from pyproject.toml itself when the package is not installed (a bare checkout)."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DISTRIBUTION = "sponsorship-crm"


def project_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])


VERSION = project_version()
