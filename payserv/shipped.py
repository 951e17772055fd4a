"""Where the files payserv ships beside its code are, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_path(name: str) -> Path:
    """``schema.sql`` or ``templates``, wherever this payserv was installed from.

    The repository keeps them at its root, beside the package (its layout is fixed); the
    wheel's build (setup.py) copies them into the package, since an installed wheel has no
    repository root. A checkout and an editable install have none inside the package.
    """
    inside = PACKAGE_DIR / name
    return inside if inside.exists() else PACKAGE_DIR.parent / name
