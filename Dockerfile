# impactgraph's command line in a small image; the store comes from NEO4J_URI (see
# docker-compose.yml) or --store.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY cypher ./cypher
# the package's cypher/ is a link to ../../cypher in the repository; make it real here
RUN rm -f src/impactgraph/cypher && cp -r cypher src/impactgraph/cypher \
    && pip install . \
    && useradd --create-home impactgraph

USER impactgraph
WORKDIR /home/impactgraph
ENTRYPOINT ["impactgraph"]
CMD ["--help"]
