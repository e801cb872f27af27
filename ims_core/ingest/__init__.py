"""Importers: one module per source format, each parsing to one normalised document frame.

Parsers (``books``, ``gstr2b``, ``gstr2b_excel``, ``ims``, ``gstr2a``) read files and return a
:class:`~ims_core.ingest.document.ParsedImport`; :mod:`ims_core.ingest.loader` writes it in one
transaction. Parsers never touch the database.
"""
