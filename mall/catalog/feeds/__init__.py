"""Bulk supplier feeds: ``parsing`` reads a file (no database), ``applying`` writes its rows."""
