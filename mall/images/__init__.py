"""Product images: validated uploads stored once per content hash, with thumbnails."""
