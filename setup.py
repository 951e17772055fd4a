"""Builds payserv's wheel; the metadata is in setup.cfg.

The repository keeps ``schema.sql`` and ``templates/`` at its root, beside the package (the
project's layout), where package data cannot reach. The wheel must hold them all the same (an
installed payserv has no repository), so the build copies them into the package, where
``payserv.shipped.shipped_path`` finds them.
"""

from __future__ import annotations

from setuptools import setup
from setuptools.command.build_py import build_py

BESIDE_THE_PACKAGE = ("schema.sql", "templates")


class BuildWithRootFiles(build_py):
    """``build_py`` that also copies the root files the package needs into it."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout itself
            return
        for name in BESIDE_THE_PACKAGE:
            target = f"{self.build_lib}/payserv/{name}"
            if name.endswith(".sql"):
                self.copy_file(name, target)
            else:
                self.copy_tree(name, target)


setup(cmdclass={"build_py": BuildWithRootFiles})
