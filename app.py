"""Entry point for `flask --app app ...`: the factory lives in webapp."""

from webapp import create_app

__all__ = ["create_app"]
