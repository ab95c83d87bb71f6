"""Crosswalk data files (one per source vocabulary); a package so that wheels ship them."""
