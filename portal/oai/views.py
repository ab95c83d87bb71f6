"""Placeholder blueprint; replaced by its area."""
from flask import Blueprint

bp = Blueprint("oai", __name__)
