"""The web page (issue 11): sessions, sign-in and CSRF in-process, and the page itself in a real
headless Chromium driven by Selenium against a real ``impactgraph serve``."""
