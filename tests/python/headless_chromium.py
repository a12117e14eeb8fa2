"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for checking
HTML reports as a browser shows them: console errors, network requests, a screenshot and
where each figure lies on it.

The protocol runs over `--remote-debugging-pipe` (JSON messages ending in NUL, commands on
the browser's fd 3 and replies on its fd 4) rather than a websocket: no port to pick or to
collide with a parallel test, and no client library to install."""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import tempfile

import matplotlib.image
import numpy as np


class Page:
    """What a browser saw of one page: the screenshot [height, width, RGB(A)] in [0, 1], each
    figure's (img element's) box on it in pixels and whether its image loaded, the console
    errors, every request that left the page (not its own file:// or inline data: URLs) and
    its text."""

    def __init__(self, screenshot, figures, loaded, errors, requests, text):
        self.screenshot, self.figures, self.loaded = screenshot, figures, loaded
        self.errors, self.requests, self.text = errors, requests, text

    def figure_pixels(self, k: int) -> np.ndarray:
        x, y, w, h = (int(round(v)) for v in self.figures[k])
        return self.screenshot[y:y + h, x:x + w, :3]


class Chromium:
    """One browser for many pages (a process start costs about a second)."""

    def __init__(self, width: int = 1400, height: int = 900, timeout_s: float = 60):
        program = shutil.which("chromium")
        assert program, "headless Chromium is not installed (Debian's `chromium`: run scripts/install-deps.sh)"
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self.profile = tempfile.TemporaryDirectory(prefix="rnnscope-chromium-")
        to_browser, self.commands = os.pipe()
        self.replies, from_browser = os.pipe()
        flags = ["--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                 # No sandbox: the pages are this project's own files, and CI containers (root, or
                 # without user namespaces) cannot give Chromium the one it wants.
                 "--no-sandbox", f"--user-data-dir={self.profile.name}"]

        def protocol_fds():
            # In the child: copies made by dup2 are inherited, unlike Python's own fds; the
            # detour above fd 10 keeps a pipe that is already fd 3 or 4 from being clobbered
            # (or, when dup2 would copy an fd onto itself, from staying close-on-exec).
            source = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser)]
            os.dup2(source[0], 3)
            os.dup2(source[1], 4)

        self.process = subprocess.Popen([program, *flags, "about:blank"], preexec_fn=protocol_fds, close_fds=False,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.commands)
        os.close(self.replies)
        self.profile.cleanup()

    def _message(self) -> dict:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.replies], [], [], self.timeout_s)
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise OSError("Chromium closed the protocol pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        """Runs one protocol command and returns its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self.commands, json.dumps(command).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> None:
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            self.events.append(self._message())

    def open(self, path: str) -> Page:
        """Loads the file ``path`` in a new tab and returns what it showed and did."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session)
        self.send("Emulation.setDeviceMetricsOverride", session, width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        self.events.clear()
        self.send("Page.navigate", session, url="file://" + os.path.abspath(path))
        self.wait_for("Page.loadEventFired", session)
        layout = self.send("Runtime.evaluate", session, returnByValue=True, expression="""JSON.stringify({
            figures: [...document.querySelectorAll('img')].map(i => {
                const r = i.getBoundingClientRect();
                return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height, i.complete && i.naturalWidth > 0];
            }),
            width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
            text: document.body.innerText})""")["result"]["value"]
        layout = json.loads(layout)
        shot = self.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": layout["width"], "height": layout["height"], "scale": 1})
        screenshot = matplotlib.image.imread(io.BytesIO(base64.b64decode(shot["data"])), format="png")
        events = [e for e in self.events if e.get("sessionId") == session]
        errors = [e["params"] for e in events if e["method"] in ("Runtime.exceptionThrown",)
                  or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                  or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
        requests = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
        requests = [url for url in requests if not url.startswith(("data:", "file://"))]
        self.send("Target.closeTarget", targetId=target)
        return Page(screenshot, [f[:4] for f in layout["figures"]], [f[4] for f in layout["figures"]], errors, requests,
                    layout["text"])
