"""The package index: simple API pages, release metadata and project JSON, over one session.

Kept free of imports so that ``auditor.index.client.http_defaults`` loads without requests.
"""
