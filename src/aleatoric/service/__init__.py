"""The HTTP API over the job service (FastAPI; needs the ``service`` extra).

``aleatoric serve`` runs it with uvicorn; :func:`create_app` builds it for other servers.
"""

from aleatoric.service._app import create_app

__all__ = ["create_app"]
