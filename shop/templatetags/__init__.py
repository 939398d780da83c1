"""Template tags and filters of the shop (`{% load money %}`)."""
