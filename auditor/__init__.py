"""auditor: audit the open-source AI stack an application stands on."""

__version__ = "0.1.0"
