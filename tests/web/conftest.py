"""Fixtures of the web page tests: a real ``impactgraph serve`` over a SQLite store holding
examples/estate.yaml (its one-time login link read from its output), and a headless Chromium
driven by Selenium that may reach 127.0.0.1 only.

Chromium and its driver are Debian's (``scripts/system-deps`` installs ``chromium`` and
``chromium-driver``; ``make test`` runs it); Selenium is in the ``dev`` extra. Without them the
browser tests fail, saying what to install: they never skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from impactgraph.apikeys import create_key
from impactgraph.modelfile import load_model_file
from impactgraph.store import open_store

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "examples" / "estate.yaml"
CHROMIUM = os.environ.get("IMPACTGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("IMPACTGRAPH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/login\?token=[A-Za-z0-9_.-]+)")
#: every host name resolves to nothing, but the server's address: a request that would leave
#: the machine fails (and is still seen in the performance log)
HOST_RULES = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``impactgraph serve``: its address, its login link, a reader key, its log."""

    base: str
    link: str
    key: str
    log: Path
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``impactgraph serve`` on 127.0.0.1 over a temporary SQLite store with the example
    estate, started as a user would start it."""
    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp / 'estate.db'}"
    with closing(open_store(url)) as store:
        store.load(load_model_file(ESTATE))
        key, _ = create_key(store, "reader", "browser test")
    port = free_port()
    log = tmp / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPACTGRAPH_SESSION")}
    process = subprocess.Popen(
        [sys.executable, "-m", "impactgraph", "serve", "--store", url, "--port", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        link = None
        while True:
            assert process.poll() is None, log.read_text()
            found = LINK.search(log.read_text())
            link = found.group(1) if found else None
            try:
                ready = httpx.get(base + "/readyz", timeout=1).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and link:
                break
            assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield Served(base, link, key, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _browser_parts() -> tuple[Any, Any]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(p))]
    if missing:
        pytest.fail(
            f"the web page tests need Debian's chromium and chromium-driver ({', '.join(missing)} "
            "missing): run scripts/system-deps, or apt-get install chromium chromium-driver",
            pytrace=False,
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("the web page tests need selenium: pip install -e '.[dev]'", pytrace=False)
    return webdriver, Service


@dataclass
class Browser:
    """A headless Chromium and every request it has made so far."""

    driver: Any
    downloads: Path
    requests: list[str] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)

    def drain_logs(self) -> None:
        """Move the browser's performance and console logs into ``requests`` and ``console``."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                self.requests.append(message["params"]["url"])
        self.console += self.driver.get_log("browser")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A fresh headless Chromium (its own profile), downloads into a temporary folder."""
    webdriver, service = _browser_parts()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--host-resolver-rules={HOST_RULES}",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=service(CHROMEDRIVER))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield Browser(driver, downloads)
    finally:
        driver.quit()
