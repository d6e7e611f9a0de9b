"""The procurement center's and auditors' pages: reviews, agreements, organizations, audit."""
