"""Word lists and weights for metadata_schemas.synthetic (data only)."""
