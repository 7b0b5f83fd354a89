#!/bin/sh
# Make sure a headless Chromium is available for the report's browser test.
#
# Installs the Debian package `chromium` with apt-get when no browser is on PATH and the
# script runs as root. Always exits 0: when it cannot install, it says why, the other tests
# still run, and the browser test then fails in CI (CI=true) with a clear message.
set -u

for name in chromium chromium-browser google-chrome google-chrome-stable chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "ensure-chromium: found $(command -v "$name") ($("$name" --version 2>/dev/null || echo 'version unknown'))"
        exit 0
    fi
done

if [ "$(id -u)" != "0" ]; then
    echo "ensure-chromium: no Chromium on PATH and not running as root; install it with: sudo apt-get install chromium"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no Chromium on PATH and no apt-get; install Chromium with your system's package manager"
    exit 0
fi

echo "ensure-chromium: installing the Debian package 'chromium' with apt-get"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
    echo "ensure-chromium: installed $(command -v chromium) ($(chromium --version 2>/dev/null))"
else
    echo "ensure-chromium: apt-get could not install chromium (offline or package missing); the browser test will not run"
fi
exit 0
