"""Background work: durable jobs claimed by ``mall worker``, and the periodic schedule."""
