"""Pure judgement: signals -> rule findings -> package scores -> the gate (rules are data)."""
