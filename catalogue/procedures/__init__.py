"""Acquisition procedures as data: one JSON file per procedure (see catalogue.services.procedures).

A package only so that the files ship with the wheel (package data).
"""
