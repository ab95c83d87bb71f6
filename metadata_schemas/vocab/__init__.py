"""Vocabulary data files (one JSON file per vocabulary); a package so that wheels ship them."""
