"""What GitHub checks before it runs a GraphQL document, for the fake GitHub.

GitHub refuses a document, with HTTP 200, an ``errors`` list and no ``data``, when it:

- does not parse, or does not validate against GitHub's schema (an unknown field, an
  enum value that does not exist such as ``orderBy: {field: NONSENSE}``, an argument of
  the wrong type, an unused fragment...): checked with graphql-core against GitHub's
  published ``schema.graphql`` (``tests/fixtures/github/``, see its README);
- lists a connection's ``nodes`` or ``edges`` without ``first`` or ``last``
  (``MISSING_PAGINATION_BOUNDARIES``), or with a value outside 1..100
  (``EXCESSIVE_PAGINATION``). GitHub's documentation says every connection needs one;
  in practice a connection asked only for ``totalCount``/``pageInfo`` is answered
  without (``stargazers { totalCount }`` is everyday usage), and the fake does the same;
- could return more than 500,000 nodes (``MAX_NODE_LIMIT_EXCEEDED``), counted with the
  formula GitHub documents: each connection's ``first``/``last`` multiplied by the
  ``first``/``last`` of every connection it is nested in, summed over the document.

The same walk gives the rate-limit cost GitHub documents: one request per connection
per parent node, divided by 100, rounded, at least 1.

Why validate with a real GraphQL library: a hand-written parser accepts whatever it was
taught, so a query GitHub rejects passes every test; a document checked against GitHub's
own schema fails here exactly where it would fail there.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
    validate,
)
from graphql.utilities import value_from_ast_untyped

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "schema.graphql"
NODE_LIMIT = 500_000
PAGE_LIMIT = 100

_schema: GraphQLSchema | None = None
_schema_lock = threading.Lock()


def github_schema() -> GraphQLSchema:
    """GitHub's public schema, built once per process (it is 1.2 MB of SDL).

    GitHub's published SDL breaks two rules graphql-core enforces on schemas (a few
    fields are defined twice, and some implementations deprecate a field their interface
    does not); GitHub serves it as it is, so it is taken as valid rather than edited.
    """
    global _schema
    with _schema_lock:
        if _schema is None:
            _schema = build_schema(
                SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid=True, assume_valid_sdl=True
            )
        return _schema


@dataclass
class Checked:
    """A document GitHub would run: its operation, fragments, node count and cost."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    nodes: int = 0
    requests: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cost(self) -> int:
        return max(1, round(self.requests / PAGE_LIMIT))


class Refused(Exception):
    """GitHub would answer only ``errors`` (HTTP 200, no ``data``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


def _error(err: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {"message": err.message}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    return out


def check(text: str, variables: dict[str, Any] | None = None) -> Checked:
    """Parse, validate and measure ``text`` as GitHub does; Refused when GitHub would."""
    try:
        document = parse(text)
    except GraphQLError as err:
        raise Refused([_error(err)]) from None
    schema = github_schema()
    problems = validate(schema, document)
    if problems:
        raise Refused([_error(e) for e in problems])
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise Refused([{"message": "The fake GitHub runs exactly one query per document."}])
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    checked = Checked(document=document, operation=operations[0], fragments=fragments)
    query_type = schema.query_type
    assert query_type is not None
    _Walker(schema, checked, variables or {}).walk(
        operations[0].selection_set, query_type, 1, ["query"]
    )
    if checked.errors:
        raise Refused(checked.errors)
    if checked.nodes > NODE_LIMIT:
        raise Refused(
            [
                {
                    "type": "MAX_NODE_LIMIT_EXCEEDED",
                    "message": f"This query requests up to {checked.nodes:,} possible nodes "
                    f"which exceeds the maximum limit of {NODE_LIMIT:,}.",
                }
            ]
        )
    return checked


class _Walker:
    """Visits every field once per place it is selected, fragments expanded."""

    def __init__(self, schema: GraphQLSchema, checked: Checked, variables: dict[str, Any]):
        self.schema = schema
        self.checked = checked
        self.variables = variables

    def walk(self, selection_set: SelectionSetNode, parent: Any, multiplier: int, path: list[str]):
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                self._field(sel, parent, multiplier, path)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                here = self.schema.get_type(cond.name.value) if cond else parent
                self.walk(sel.selection_set, here, multiplier, path)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.checked.fragments[sel.name.value]
                here = self.schema.get_type(frag.type_condition.name.value)
                self.walk(frag.selection_set, here, multiplier, path)

    def _field(self, node: FieldNode, parent: Any, multiplier: int, path: list[str]) -> None:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return
        definition = parent.fields[name]
        named = get_named_type(definition.type)
        here = [*path, node.alias.value if node.alias else name]
        inner = multiplier
        if _is_connection(named, definition.args):
            args = {
                a.name.value: value_from_ast_untyped(a.value, self.variables)
                for a in node.arguments or ()
            }
            first, last = args.get("first"), args.get("last")
            wants = bool({"nodes", "edges"} & self._selected(node.selection_set))
            if first is not None and last is not None:
                self._refuse(
                    node,
                    here,
                    "EXCESSIVE_PAGINATION",
                    f"Passing both `first` and `last` to paginate the `{name}` connection is "
                    "not supported.",
                )
            size = first if first is not None else last
            if size is None:
                if wants:
                    self._refuse(
                        node,
                        here,
                        "MISSING_PAGINATION_BOUNDARIES",
                        f"You must provide a `first` or `last` value to properly paginate "
                        f"the `{name}` connection.",
                    )
            elif not isinstance(size, int) or not 1 <= size <= PAGE_LIMIT:
                which = "first" if first is not None else "last"
                self._refuse(
                    node,
                    here,
                    "EXCESSIVE_PAGINATION",
                    f"Requesting {size} records on the `{name}` connection exceeds the "
                    f"`{which}` limit of {PAGE_LIMIT} records.",
                )
            else:
                self.checked.nodes += multiplier * size
                self.checked.requests += multiplier
                inner = multiplier * size
        if node.selection_set is not None:
            self.walk(node.selection_set, named, inner, here)

    def _selected(self, selection_set: SelectionSetNode | None) -> set[str]:
        """Field names directly selected, through fragments."""
        names: set[str] = set()
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                names |= self._selected(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                names |= self._selected(self.checked.fragments[sel.name.value].selection_set)
        return names

    def _refuse(self, node: FieldNode, path: list[str], kind: str, message: str) -> None:
        error: dict[str, Any] = {"type": kind, "path": path, "message": message}
        if node.loc is not None:
            loc = node.loc.source.get_location(node.loc.start)
            error["locations"] = [{"line": loc.line, "column": loc.column}]
        self.checked.errors.append(error)


def _is_connection(named: Any, args: dict[str, Any]) -> bool:
    """A Relay connection as GitHub's schema spells them: ``…Connection`` with first/last."""
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "first" in args
        and "last" in args
    )
