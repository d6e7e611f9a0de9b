"""Open contracting data (OCDS 1.1): framework agreements and their call-offs as open data."""
