"""Debian's Chromium, driven by Selenium through Debian's chromedriver (never a browser a tool downloads).

Used by tests/test_site.py and tests/test_jupyterlab.py. Where Chromium is missing or
cannot start, the test is skipped with the reason, so that it shows in the summary.
"""
import contextlib
import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
INSTALL = "apt-get install -y chromium chromium-driver"
# No name resolves, so nothing outside this machine can be reached: a page that needs the
# network fails at once instead of waiting; this machine (127.0.0.1) stays reachable.
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@contextlib.contextmanager
def chromium(width=1280, height=900):
    """A headless Chromium with the network cut off; the browser's console is logged."""
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} ({INSTALL})")
    assert CHROMEDRIVER.exists(), f"chromium is installed but not chromedriver: {INSTALL}"
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--hide-scrollbars", NO_NETWORK):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    except WebDriverException as error:  # e.g. a container without the libraries it needs
        pytest.skip(f"Chromium cannot start here: {error.msg}")
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver):
    """The browser console's errors since the last call (reading the log empties it)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def save_screenshot(driver, folder, name):
    """A test artifact in ``folder`` (the test's), copied to $SCREENSHOTS when that is set
    (``SCREENSHOTS=docs/screenshots`` refreshes the pictures of the README and docs/)."""
    driver.save_screenshot(str(folder / name))
    if os.environ.get("SCREENSHOTS"):
        target = Path(os.environ["SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / name, target / name)


def wait_until_answering(process, url, log, what, deadline):
    """Poll ``url`` until it answers 200. Fails, with the server's ``log``, if ``process`` exits or
    the monotonic time passes ``deadline()`` (asked each round: a start in phases can move it)."""
    while True:
        assert process.poll() is None, f"{what} exited ({process.returncode}):\n{Path(log).read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline(), f"{what} did not answer:\n{Path(log).read_text()}"
        time.sleep(0.5)
