"""A small User-Agent reader for "where you're signed in": the browser with its major version, and
the system. Good enough to tell one's own devices apart; no dependency, no database of agents.
What it doesn't recognize is "Unknown browser" / "Unknown system"."""
import re

UNKNOWN_BROWSER = "Unknown browser"
UNKNOWN_SYSTEM = "Unknown system"

# Order matters: Edge, Opera, Samsung Internet and the iOS wrappers also say Chrome or Safari.
BROWSERS = [
    ("Edge", r"\bEdg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"\b(?:OPR|OPiOS)/(\d+)"),
    ("Samsung Internet", r"\bSamsungBrowser/(\d+)"),
    ("Firefox", r"\b(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"\b(?:HeadlessChrome|Chrome|CriOS)/(\d+)"),
    ("Safari", r"\bVersion/(\d+)[^ ]* (?:Mobile/\S+ )?Safari/"),
]

SYSTEMS = [
    ("iPadOS", r"\biPad\b"),
    ("iOS", r"\b(?:iPhone|iPod)\b"),
    ("Android", r"\bAndroid\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("Windows", r"\bWindows\b"),
    ("macOS", r"\bMac OS X\b|\bMacintosh\b"),
    ("Linux", r"\bLinux\b|\bX11\b"),
]


def describe(user_agent):
    """(browser, system) of a User-Agent header, e.g. ("Firefox 153", "Linux")."""
    user_agent = user_agent or ""
    browser = UNKNOWN_BROWSER
    for name, pattern in BROWSERS:
        match = re.search(pattern, user_agent)
        if match:
            browser = f"{name} {match[1]}"
            break
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), UNKNOWN_SYSTEM)
    return browser, system
