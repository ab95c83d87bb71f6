"""Placeholder blueprint; replaced by its area."""
from flask import Blueprint

bp = Blueprint("staff", __name__)
