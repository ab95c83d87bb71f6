"""Diffusion of the catalogue's resources: online usage (COUNTER R5) and distribution
campaigns to the 12 regional academies (AREF), down to installation in schools.

Entry point: :func:`diffusion.services.build_services`.
"""
