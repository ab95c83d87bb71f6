"""Placeholder blueprint; replaced by its area."""
from flask import Blueprint

bp = Blueprint("public", __name__)
