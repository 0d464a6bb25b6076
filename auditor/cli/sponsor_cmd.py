"""``auditor sponsor FILE [FILE ...] [--budget N]``: whom to fund so the stack survives.

Several files are several apps sharing one budget: they are resolved into one graph, so
a package two apps need counts for both. ``auditor.api.sponsor`` collects the signals
exactly as ``audit`` does (same collectors, same flags), scores them with the shipped
rules and plans; this module only reads flags and writes the result.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.cli.audit_cmd import signals_parent
from auditor.cli.common import input_parent, settings_from_args, warn, write_output
from auditor.cli.llm_options import llm_parent, summarizer_session

if TYPE_CHECKING:
    from auditor.sponsorship.plan import Period, SponsorPlan
    from auditor.summaries import Summary

# ``reporters.sponsor.FORMATS``, repeated so that ``sponsor --help`` loads no library
# code (a test holds the two equal).
FORMATS = ("markdown", "html", "json", "csv")

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "sponsor",
        parents=[*parents, input_parent(), signals_parent(), llm_parent()],
        help="rank whom to fund so your stack survives, and split a budget",
        description="Find every funding channel (GitHub Sponsors, Open Collective, "
        "Tidelift, Polar, thanks.dev, Liberapay, Patreon, Ko-fi, custom links) of the "
        "packages your apps depend on, group them by recipient, rank them with reasons and, "
        "with --budget, split the budget into whole amounts. Several files share one budget.",
        epilog="Set GITHUB_TOKEN (or GH_TOKEN) for Sponsors listings and FUNDING.yml data; "
        "add --git for truck factors.",
    )
    money = parser.add_argument_group("budget")
    money.add_argument(
        "--budget", type=_whole, metavar="N", help="amount to split, in whole currency units"
    )
    money.add_argument("--currency", type=_currency, default="USD", help="default USD")
    money.add_argument("--period", choices=["month", "year"], default="month")
    money.add_argument(
        "--min-amount",
        type=_whole,
        default=10,
        metavar="N",
        help="smallest amount worth sending; fewer targets get money below it (default 10)",
    )
    money.add_argument(
        "--max-share",
        type=_share,
        default=0.4,
        metavar="F",
        help="largest share of the budget one target gets, 0 < F <= 1 (default 0.4)",
    )
    money.add_argument(
        "--include-commercial",
        action="store_true",
        help="give subscriptions (Tidelift) and shop pages (Gumroad) a share of the budget;"
        " by default they are listed but get none, as they sell something",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--companies",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="extra large-companies TOML (same shape as rules/large-companies.toml)",
    )
    data.add_argument(
        "--taxonomy",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="extra taxonomy file or directory (serving-path categories weigh more)",
    )
    parser.add_argument("-f", "--format", choices=FORMATS, default="markdown")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the plan to FILE")
    parser.set_defaults(run=run_sponsor)


def run_sponsor(args: argparse.Namespace) -> int:
    from auditor.api import sponsor
    from auditor.reporters.sponsor import render
    from auditor.sponsorship.plan import Budget

    period: Period = "year" if args.period == "year" else "month"
    budget = (
        None
        if args.budget is None
        else Budget(
            amount=args.budget,
            currency=args.currency,
            period=period,
            min_amount=args.min_amount,
            max_share=args.max_share,
            include_commercial=args.include_commercial,
        )
    )
    plan = sponsor(args.files, settings_from_args(args), budget=budget, companies=args.companies)
    memo, memo_warnings = _memo(args, plan)
    warn(args, [*plan.warnings, *memo_warnings])
    write_output(render(plan, args.format, memo=memo), args.output)
    return 0


def _memo(args: argparse.Namespace, plan: SponsorPlan) -> tuple[Summary | None, list[str]]:
    """A memo for a finance team from the local model (--summarize), or nothing.

    It only puts the plan into words: the ranking and the amounts are already fixed.
    """
    from auditor.summaries import MEMO_KEY

    with summarizer_session(args) as (summarizer, cache):
        if summarizer is None:
            return None, []
        batch = summarizer.sponsorship_memo(plan)
        return batch.summaries.get(MEMO_KEY), [*batch.warnings, *cache.warnings]


def _whole(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _currency(text: str) -> str:
    if not _CURRENCY.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a three-letter currency code (USD)")
    return text.upper()


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1 (0.4 is 40%)")
    return value
