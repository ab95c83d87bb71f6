"""Placeholder blueprint; replaced by its area."""
from flask import Blueprint

bp = Blueprint("diffusion", __name__)
