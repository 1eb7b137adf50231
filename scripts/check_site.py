"""Open every page of the built site in headless Chromium and fail on anything a reader would see broken.

Usage: python scripts/check_site.py [build/book/html] [--screenshot PATH]

Needs Chromium and its driver (Debian: `apt-get install chromium
chromium-driver`) and selenium (`pip install -e ".[book]"`). The site is
served from 127.0.0.1 on a free port, so pages load as they would from a
web server (search fetches its index; nothing leaves the machine).

A page fails on
- a link to a page or an anchor of the site that does not exist,
- an image, script or style sheet that does not load, or one from another host
  (the site must read offline),
- a JavaScript error or a failed request in the browser's console,
- a formula MathJax did not typeset, or typeset as an error,
- on an API page, no documented name, or a name with nothing under it.
The search page must find a class by its name. One chapter page is saved as
a screenshot for the run's log. The last line reads `browser: N passed, M
failed`, one item per page.
"""

import argparse
import functools
import html.parser
import http.server
import pathlib
import shutil
import sys
import threading
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTERNAL = ("http://", "https://", "//")
NOT_FILES = ("mailto:", "javascript:", "data:", "tel:")


class _PageParser(html.parser.HTMLParser):
    """The ids of a page and every address it links to or loads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.resources = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in ("img", "script") and attrs.get("src"):
            self.resources.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and "stylesheet" in (attrs.get("rel") or ""):
            self.resources.append(attrs["href"])


def _parse(page):
    parser = _PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def static_problems(site):
    """Broken internal links and anchors, missing or external resources, for every page (no browser)."""
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    parsed = {page: _parse(page) for page in pages}
    problems = {page: [] for page in pages}
    for page, parser in parsed.items():
        for address in parser.resources:
            if address.startswith(EXTERNAL):
                problems[page].append(f"loads {address} from another host")
                continue
            target = (page.parent / urllib.parse.unquote(address.split("?")[0].split("#")[0])).resolve()
            if not target.is_file():
                problems[page].append(f"loads {address}, which is missing")
        for address in parser.links:
            if address.startswith(EXTERNAL + NOT_FILES):
                continue
            path, _, fragment = address.partition("#")
            path = urllib.parse.unquote(path.split("?")[0])
            target = (page.parent / path).resolve() if path else page.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems[page].append(f"links to {address}, which is missing")
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if urllib.parse.unquote(fragment) not in ids:
                    problems[page].append(f"links to {address}: no anchor #{fragment} there")
    return problems


_WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(() => done(true), () => done(false));
} else { done(true); }
"""

_PAGE_REPORT = """
const formulas = Array.from(document.querySelectorAll('.math'));
return {
  brokenImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  formulas: formulas.length,
  untypeset: formulas.filter(f => !f.querySelector('mjx-container')).map(f => f.textContent.slice(0, 80)),
  mathErrors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80)),
  figures: document.querySelectorAll('.cell_output img').length,
  apiEntries: Array.from(document.querySelectorAll('dl.py:not(.method):not(.attribute):not(.property) > dt')).length,
  emptyEntries: Array.from(document.querySelectorAll('dl.py.class > dd, dl.py.function > dd'))
      .filter(d => !d.textContent.trim()).map(d => d.previousElementSibling.id),
};
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # failed requests reach the report through the browser's console


def _serve(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        raise SystemExit("Chromium and chromedriver are needed: apt-get install chromium chromium-driver")
    options.binary_location = chromium
    # The driver is named, so Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_script_timeout(60)
    return driver


def browser_problems(site, pages, screenshot):
    server = _serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    driver = _browser()
    problems, formulas, shot_taken = {}, 0, False
    try:
        for page in pages:
            relative = page.relative_to(site).as_posix()
            driver.get(base + relative)
            found = []
            if not driver.execute_async_script(_WAIT_FOR_MATHJAX):
                found.append("MathJax failed to start")
            report = driver.execute_script(_PAGE_REPORT)
            found += [f"image did not load: {src}" for src in report["brokenImages"]]
            found += [f"formula not typeset: {text!r}" for text in report["untypeset"]]
            found += [f"formula typeset as an error: {text!r}" for text in report["mathErrors"]]
            found += [f"console: {entry['message'][:200]}" for entry in driver.get_log("browser")
                      if entry["level"] == "SEVERE"]
            if relative.startswith("api/") and not relative.endswith("index.html"):
                if report["apiEntries"] == 0:
                    found.append("API page documents no name")
                found += [f"API entry without a description: {name}" for name in report["emptyEntries"]]
            formulas += report["formulas"]
            problems[page] = found
            if screenshot and not shot_taken and relative.startswith("chapters/") and report["formulas"] \
                    and report["figures"]:
                # A chapter with formulas and figures, its first figure in view.
                # The theme scrolls smoothly: jump instead, so the shot is taken where it lands.
                driver.execute_script("const figure = document.querySelector('.cell_output img');"
                                      "window.scrollTo({top: figure.getBoundingClientRect().top + window.scrollY - 200,"
                                      " behavior: 'instant'});")
                driver.save_screenshot(str(screenshot))
                shot_taken = relative
        driver.get(base + "search.html?q=Captioner")
        driver.implicitly_wait(0)
        hits = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            let tries = 0;
            const look = () => {
              const hits = document.querySelectorAll('#search-results li');
              if (hits.length || tries++ > 100) { done(hits.length); } else { setTimeout(look, 100); }
            };
            look();""")
        search = site / "search.html"
        if not hits:
            problems.setdefault(search, []).append("searching for 'Captioner' found nothing")
    finally:
        driver.quit()
        server.shutdown()
    return problems, formulas, shot_taken, hits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=pathlib.Path, default=ROOT / "build" / "book" / "html")
    parser.add_argument("--screenshot", type=pathlib.Path, default=None,
                        help="where to save one chapter page (default: SITE/../chapter.png)")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        raise SystemExit(f"{site} has no index.html: build the site first (python scripts/build_book.py)")
    screenshot = args.screenshot or site.parent / "chapter.png"
    problems = static_problems(site)
    seen, formulas, shot, hits = browser_problems(site, sorted(problems), screenshot)
    for page, found in seen.items():
        problems.setdefault(page, []).extend(found)
    failed = {page: found for page, found in problems.items() if found}
    for page, found in sorted(failed.items()):
        print(f"FAILED {page.relative_to(site)}")
        for problem in found[:20]:
            print(f"    {problem}")
        if len(found) > 20:
            print(f"    ... and {len(found) - 20} more")
    print(f"{len(problems)} pages, {formulas} formulas typeset, search for 'Captioner': {hits} results; "
          f"screenshot of {shot or 'no chapter with formulas and figures'} at {screenshot}")
    print(f"browser: {len(problems) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
