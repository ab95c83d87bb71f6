"""Placeholder blueprint; replaced by its area."""
from flask import Blueprint

bp = Blueprint("api", __name__)
