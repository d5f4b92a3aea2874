#!/usr/bin/env python3
"""Measures the release build as a user gets it: serves dist/ from a sub-path, opens it in
headless Chromium and prints figures (gzipped wasm size, time to the first drawn frame, frame
cost from the ?debug=1 overlay). Optionally saves a screenshot.

    python3 scripts/measure_web.py dist [--screenshot docs/screenshot.png] [--query "lab=raft"]

Needs: chromium + chromedriver (Debian packages) and the `selenium` PyPI package (installed by
scripts/tools.sh when measuring). Prints figures; it does not judge them (benchmarks print).
"""
import argparse
import functools
import gzip
import http.server
import pathlib
import socketserver
import sys
import threading
import time

SUBPATH = "/some/sub/path/distlab/"


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the dist folder only under SUBPATH, as a site hosted below a sub-path would."""

    def translate_path(self, path):
        if not path.startswith(SUBPATH):
            return "/nonexistent"
        return super().translate_path("/" + path[len(SUBPATH):])

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dist")
    ap.add_argument("--screenshot")
    ap.add_argument("--query", default="lab=raft&seed=42&speed=0.3&debug=1")
    ap.add_argument("--wait", type=float, default=4.0, help="seconds to let the run play")
    ap.add_argument("--size", default="1400,860")
    args = ap.parse_args()

    dist = pathlib.Path(args.dist).resolve()
    wasm = sorted(dist.glob("wasm/*/distlab_bg.wasm"))
    if not wasm:
        sys.exit(f"measure_web: no wasm bundle in {dist}/wasm")
    for w in wasm:  # one bundle per group of labs; a page loads one (scripts/bundles.sh)
        raw = w.read_bytes()
        print(f"MEASURE bundle={w.parent.name} raw_bytes={len(raw)} gzip9_bytes={len(gzip.compress(raw, 9))}")

    handler = functools.partial(SubPathHandler, directory=str(dist))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", f"--window-size={args.size}"]:
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            firsts = []
            for attempt in range(3):
                url = f"http://127.0.0.1:{port}{SUBPATH}?{args.query}"
                driver.get(url)
                first = None
                for _ in range(200):
                    first = driver.execute_script("return document.body.getAttribute('data-first-frame-ms')")
                    if first:
                        break
                    time.sleep(0.05)
                if not first:
                    sys.exit("measure_web: no frame was drawn within 10 s")
                firsts.append(float(first))
            print(f"MEASURE first_frame_ms (navigation to first frame, 3 loads, served from {SUBPATH}): "
                  + " ".join(f"{f:.0f}" for f in firsts))
            time.sleep(args.wait)
            panic = driver.execute_script("return !!document.querySelector('[data-testid=panic]')")
            debug = driver.execute_script(
                "const d = document.querySelector('[data-testid=debug]'); return d ? d.textContent : ''")
            leader = driver.execute_script(
                "const d = document.querySelector('[data-testid=leader]'); return d ? d.textContent : ''")
            print(f"MEASURE panic_overlay={panic} leader='{leader}'")
            if debug:
                print(f"MEASURE debug_overlay='{debug}'")
            if args.screenshot:
                driver.save_screenshot(args.screenshot)
                print(f"MEASURE screenshot={args.screenshot}")
        finally:
            driver.quit()
            httpd.shutdown()


if __name__ == "__main__":
    main()
