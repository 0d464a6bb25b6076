"""``auditor sponsor`` end to end: two apps, one budget, against the fake index and GitHub."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sponsor.conftest import Run

APP_A = "tensorkit\nwidgets\nml-core\n"
APP_B = "tinytok\ngadgets\nrequests\n"
APPS = {"a/requirements.txt": APP_A, "b/requirements.txt": APP_B}

Sponsor = Callable[..., Run]


def recs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in doc["recommendations"]}


def test_json_two_apps_share_one_budget(sponsor: Sponsor) -> None:
    r = sponsor(APPS, "--budget", "500", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["schema_version"] == "1"
    assert len(doc["apps"]) == 2 and all(a.endswith("requirements.txt") for a in doc["apps"])
    budget = doc["budget"]
    assert budget["amount"] == 500 and budget["currency"] == "USD" and budget["period"] == "month"
    assert budget["allocated"] == 500
    assert sum(x["amount"] for x in doc["recommendations"]) == 500
    by = recs(doc)
    # fundme: one person behind widgets (app A) and gadgets (app B), found via the owner's
    # .github FUNDING.yml, the Sponsors listing and a differently spelled Project-URL.
    fundme = by["github:fundme"]
    assert [p["name"] for p in fundme["packages"]] == ["gadgets", "widgets"]
    assert fundme["summary"] == "one person maintains 2 of your dependencies"
    assert {s["source"] for s in fundme["sources"]} >= {"FUNDING.yml", "Project-URLs"}
    assert {link["url"] for link in fundme["links"]} >= {
        "https://github.com/sponsors/fundme",
        "https://polar.sh/fundme",
    }
    # tensorkit: FUNDING.yml + Open Collective Project-URL + the org's listing: one target.
    assert [t for t in by if "tensorkit" in t or "aifoundry" in t] == ["github:aifoundry"]
    # Every Tidelift link (ml-core's, tinytok's) is one target.
    assert sorted(p["name"] for p in by["tidelift"]["packages"]) == ["ml-core", "ml-io", "tinytok"]
    # MegaCorp (added with --companies) owns ml-core: it does not lift Tidelift's rank.
    tide = {f["name"]: f for f in by["tidelift"]["factors"]}
    assert "MegaCorp" in tide["large company"]["why"]
    # tinytok is in both apps: the reach factor says so.
    solodev = {f["name"]: f["why"] for f in by["github:solodev"]["factors"]}
    assert solodev["apps"] == "used by 2 of your 2 apps"
    tinytok = next(p for p in by["github:solodev"]["packages"] if p["name"] == "tinytok")
    assert len(tinytok["apps"]) == 2 and tinytok["via"] == ["tensorkit", "tinytok"]
    # Ranked: priorities never increase down the list; amounts follow.
    prios = [x["priority"] for x in doc["recommendations"]]
    assert prios == sorted(prios, reverse=True)
    # Tidelift sells a subscription: listed, but no share of a donation budget.
    assert by["tidelift"]["kind"] == "subscription" and by["tidelift"]["amount"] == 0
    money = [x["amount"] for x in doc["recommendations"] if x["kind"] != "subscription"]
    assert all(a >= b for a, b in itertools.pairwise(money))
    assert all(x["amount"] == 0 or x["amount"] >= 10 for x in doc["recommendations"])
    assert max(money) <= 200  # --max-share 0.4 of 500
    ranks = [x["rank"] for x in doc["recommendations"]]
    assert ranks == list(range(1, len(doc["recommendations"]) + 1))
    for x in doc["recommendations"]:
        assert x["factors"] and x["evidence"] and x["links"]
    # Risky packages with no channel: listed apart, with what else helps.
    assert doc["unfunded"] and all(u["suggestions"] for u in doc["unfunded"])


def test_without_budget_the_ranked_list_has_no_amounts(sponsor: Sponsor) -> None:
    r = sponsor(APPS, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["budget"] is None
    assert doc["recommendations"] and all(x["amount"] is None for x in doc["recommendations"])
    md = sponsor(APPS)
    assert md.code == 0 and "No budget given" in md.out and "| Amount |" not in md.out


def test_markdown(sponsor: Sponsor) -> None:
    r = sponsor(APPS, "--budget", "1200", "--period", "year", "--currency", "eur")
    assert r.code == 0, r.err
    out = r.out
    assert out.startswith("# Sponsorship plan")
    assert "Budget: **1,200 EUR per year**" in out
    assert "| # | Recipient | Priority | Amount | Your packages | Fund at |" in out
    assert "[GitHub Sponsors](https://github.com/sponsors/fundme)" in out
    assert "## Risky packages with no funding channel" in out
    rows = [line for line in out.splitlines() if re.match(r"^\| \d+ \|", line)]
    total = sum(
        int(m.group(1).replace(",", ""))
        for row in rows
        for m in [re.search(r"\| ([\d,]+) EUR \|", row)]
        if m
    )
    assert total == 1200


def test_html_is_self_contained(sponsor: Sponsor, tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    r = sponsor(APPS, "--budget", "500", "--format", "html", "-o", str(out))
    assert r.code == 0, r.err
    assert r.out == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert "src=" not in lowered and "url(" not in lowered and "<style>" in lowered
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs, "funding links are links"
    funding_hosts = (
        "github.com/sponsors/",
        "opencollective.com/",
        "tidelift.com/",
        "polar.sh/",
        "thanks.dev/",
        "liberapay.com/",
        "patreon.com/",
        "ko-fi.com/",
        "buymeacoffee.com/",
        "issuehunt.io/",
        "crowdfunding.lfx.linuxfoundation.org/",
        "paypal.me/",
        "solodev.example/",
        "aifoundry.example/",
    )
    for href in hrefs:
        assert href.startswith("https://") and any(h in href for h in funding_hosts), href
    assert 'github.com/fundme/widgets"' not in page  # repositories are text, not links
    assert "500 USD" in page and "Evidence" in page


def test_csv_parses(sponsor: Sponsor) -> None:
    r = sponsor(APPS, "--budget", "500", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert rows and list(rows[0]) == [
        "type",
        "rank",
        "recipient",
        "kind",
        "priority",
        "amount",
        "currency",
        "period",
        "funding_url",
        "other_urls",
        "packages",
        "apps",
        "reason",
    ]
    fund = [row for row in rows if row["type"] == "fund"]
    assert sum(int(row["amount"]) for row in fund) == 500
    assert all(
        row["currency"] == "USD" and row["funding_url"].startswith("https://") for row in fund
    )
    assert any(row["type"] == "no-funding-channel" for row in rows)
    # A leading "@" starts a formula in a spreadsheet: the cell is kept text.
    fundme = next(row for row in fund if row["recipient"] == "'@fundme")
    assert fundme["packages"] == "gadgets;widgets"


def test_flags_are_validated(sponsor: Sponsor, tmp_path: Path) -> None:
    assert sponsor(APPS, "--budget", "-5").code == 2
    assert sponsor(APPS, "--budget", "ten").code == 2
    assert sponsor(APPS, "--max-share", "1.5").code == 2
    assert sponsor(APPS, "--currency", "dollars").code == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[company.x]\ngithub = 'not-a-list'\n")
    r = sponsor(APPS, "--companies", str(broken))
    assert r.code == 2 and "company.x.github" in r.err
    missing = sponsor(APPS, "--companies", str(tmp_path / "nope.toml"))
    assert missing.code == 2 and "does not exist" in missing.err
