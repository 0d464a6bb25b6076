"""The large-companies list: shipped, extendable, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.sponsorship.large_companies import default_companies_file, load_companies


def test_shipped_list_loads_and_is_well_formed() -> None:
    companies = load_companies()
    assert default_companies_file().is_file()
    assert len(companies.companies) >= 10
    assert all(c.github and c.name for c in companies.companies)


def test_user_file_extends_and_adds(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[company.google]\ngithub = ["my-google-fork-org"]\n'
        '[company.acme]\nname = "Acme"\ngithub = ["AcmeLabs"]\nnames = ["Acme Corp"]\n'
    )
    companies = load_companies([extra])
    google = companies.by_github("My-Google-Fork-Org")
    assert google is not None and google.name == "Google"
    acme = companies.by_github("acmelabs")
    assert acme is not None and acme.name == "Acme"
    assert companies.by_name("@Acme Corp.") is acme


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[company.a]\ngithub = "x"\ncolour = 1\n[company.b]\nname = 3\n')
    with pytest.raises(InputError) as err:
        load_companies([bad])
    text = err.value.message
    assert "company.a.github" in text and "colour" in text and "company.b.name" in text


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[company")
    with pytest.raises(InputError, match="invalid TOML"):
        load_companies([broken])
    with pytest.raises(InputError, match="does not exist"):
        load_companies([tmp_path / "missing.toml"])
