"""The partners' reporting portal (/rapportering/): rounds, sub-promises, the report form."""
