"""Collectors: each turns packages (and their repositories) into named signals."""
