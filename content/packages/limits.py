"""Limits for uploaded packages; each can be overridden by a Django setting of the same name."""

from __future__ import annotations

from django.conf import settings

_DEFAULTS = {
    # Sum of the uncompressed sizes of every entry.
    "CONTENT_PACKAGE_MAX_BYTES": 2 * 1024**3,
    "CONTENT_PACKAGE_MAX_ENTRIES": 50_000,
    # An entry that inflates more than this many times is treated as a zip bomb...
    "CONTENT_PACKAGE_MAX_RATIO": 200,
    # ...unless it is this small (tiny text files compress very well legitimately).
    "CONTENT_PACKAGE_RATIO_MIN_BYTES": 1024 * 1024,
    # Manifests are parsed in memory, so they are capped.
    "CONTENT_PACKAGE_MAX_MANIFEST_BYTES": 5 * 1024 * 1024,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, _DEFAULTS[name]))


# Files a course never needs and a browser or desktop could execute outside the sandbox.
EXECUTABLE_SUFFIXES = frozenset(
    {
        ".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".pif", ".cpl", ".sys",
        ".ps1", ".psm1", ".vbs", ".vbe", ".wsf", ".wsh", ".hta", ".jar", ".apk", ".sh",
        ".bash", ".so", ".dylib", ".app", ".deb", ".rpm", ".lnk", ".reg", ".php", ".phtml",
        ".py", ".pl", ".cgi", ".asp", ".aspx", ".jsp",
    }
)  # fmt: skip
# Magic numbers of native executables (Windows PE, ELF, Mach-O), whatever the file is called.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
