"""Requirements plus the index become a dependency graph: provider, resolver, verification."""
