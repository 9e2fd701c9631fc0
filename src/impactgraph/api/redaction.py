"""Secrets out of text: passwords in URLs and API keys, before anything is logged or answered.

>>> redact("cannot reach neo4j://neo4j:hunter2@db:7687 with igk_k_0123456789abcdef_s3cr3t")
'cannot reach neo4j://neo4j:***@db:7687 with igk_***'
"""

from __future__ import annotations

import re

# user:password@ in any scheme://… URL
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@/]*@")
# an API key as impactgraph writes them (igk_<id>_<secret>), whole or cut short
_API_KEY = re.compile(r"igk_[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """``text`` with URL passwords and API keys replaced by ``***``."""
    return _API_KEY.sub("igk_***", _URL_PASSWORD.sub(r"\1***@", text))
