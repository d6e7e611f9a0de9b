"""Transactional outbox: changes the search index must learn about, written with the change."""
