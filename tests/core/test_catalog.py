"""The signal catalog is read from the modules that declare the signals, so that a run
which collects nothing from GitHub or git never imports those collectors; each
collector must still provide exactly what the catalog lists for it."""

from __future__ import annotations

import subprocess
import sys

from auditor.collectors.catalog import all_specs, collector_classes, spec_groups


def test_every_collector_provides_exactly_its_catalog_entry() -> None:
    classes = collector_classes()
    groups = spec_groups()
    assert len(classes) == len(groups) == 4
    for cls, group in zip(classes, groups, strict=True):
        assert cls.provides is group, cls.__name__


def test_the_catalog_names_every_signal_once() -> None:
    names = [spec.name for group in spec_groups() for spec in group]
    assert len(names) == len(set(names))
    assert set(all_specs()) == set(names)
    # one signal of each collector, so a dropped source shows
    assert {"release_count", "archived", "truck_factor", "pin_conflicts"} <= set(names)


def test_reading_the_catalog_imports_no_collector_backend() -> None:
    probe = (
        "import sys\n"
        "from auditor.collectors.catalog import all_specs\n"
        "all_specs()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('auditor.collectors.github',"
        " 'auditor.collectors.git_history', 'auditor.collectors.backends.github.graphql',"
        " 'auditor.collectors.backends.git.facts'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
