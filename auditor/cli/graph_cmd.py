"""``auditor graph``: the resolved dependency tree, and why a package is in it."""

from __future__ import annotations

import argparse

from auditor.cli.common import input_parent, settings_from_args, warn, write_output


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    graph = subparsers.add_parser(
        "graph",
        parents=[*parents, input_parent()],
        help="show the resolved dependency tree",
        description="Show the resolved dependency tree, and why a package is in it.",
    )
    graph.add_argument("-f", "--format", choices=["text", "json", "dot"], default="text")
    graph.add_argument("--why", metavar="PACKAGE", help="show the paths that bring PACKAGE in")
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    graph.set_defaults(run=run_graph)


def run_graph(args: argparse.Namespace) -> int:
    # Imported here so that `graph --help` loads neither the resolver nor networkx.
    from auditor.api import graph as api_graph
    from auditor.reporters.graph import render_dot, render_json, render_tree

    resolved = api_graph(args.files, settings_from_args(args))
    graph = resolved.graph
    warn(args, list(resolved.warnings))
    if args.format == "json":
        text = render_json(graph)
    elif args.format == "dot":
        text = render_dot(graph)
    else:
        why = args.why
        if why is not None:
            from packaging.utils import canonicalize_name

            why = canonicalize_name(why)
        text = render_tree(graph, why=why)
    write_output(text, args.output)
    return 0
