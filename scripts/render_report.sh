#!/usr/bin/env bash
# Renders a Sibyl HTML report to a PNG with headless Chromium, so the charts can be looked at
# without a browser: scripts/render_report.sh REPORT.html [OUT.png] [HEIGHT]
# Installs Debian's chromium when it is missing.
set -euo pipefail
report=${1:?usage: scripts/render_report.sh REPORT.html [OUT.png] [HEIGHT]}
out=${2:-${report%.html}.png}
height=${3:-2400}
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,"$height" \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "wrote $out"
