"""Indexer jobs: keep the OpenSearch index identical to the database."""
