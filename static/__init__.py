"""Static assets of the portal (CSS, JS, icons), shipped as package data."""
