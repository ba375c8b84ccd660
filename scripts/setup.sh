#!/usr/bin/env bash
# Set up briefpack on a fresh Debian/Ubuntu machine: the system libraries WeasyPrint needs,
# the fonts the house style names, LibreOffice and poppler (used by the tests to read outputs
# back as a Word client and a PDF reader would), then a virtual environment in .venv/.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1  # WeasyPrint
  libcairo2                                                                          # cairosvg (SVG in DOCX)
  fonts-liberation2 fonts-dejavu-core fonts-noto-core                                # house style fonts (Latin, Cyrillic, Arabic)
  fonts-noto-cjk fontconfig                                                          # Chinese; fc-list finds glyphs
  libreoffice-writer-nogui poppler-utils                                             # tests: DOCX→PDF, PDF→PNG
  chromium                                                                           # tests: serve in a real browser (Playwright)
)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not a Debian system; install Pango ≥ 1.44, HarfBuzz, fontconfig, the Liberation fonts," >&2
  echo "       LibreOffice, poppler-utils and Chromium (for the tests) with your package manager." >&2
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: ready (.venv/bin/briefpack)" >&2
