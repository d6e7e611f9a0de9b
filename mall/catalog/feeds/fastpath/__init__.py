"""PostgreSQL's fast path for supplier feeds (see ``importer``)."""
