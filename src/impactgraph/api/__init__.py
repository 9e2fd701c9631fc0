"""The HTTP API: ``create_app(settings)`` makes the FastAPI app; ``impactgraph serve`` runs it.

>>> from impactgraph.api import Settings
>>> Settings(max_page=50).max_page
50
"""

from impactgraph.api.app import app_from_environment, create_app
from impactgraph.api.settings import Settings

__all__ = ["Settings", "app_from_environment", "create_app"]
