"""quicklook."""
