#!/usr/bin/env bash
# The console in a real browser: Debian's chromium (installed here if missing; never a downloaded
# browser) driven by npm's @playwright/test (installed from tests/browser/package-lock.json),
# against a fresh local server on a free port (tests/browser/serve.sh). Screenshots of each screen
# are kept in tests/browser/test-results/. Extra arguments go to `playwright test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/tests/browser"
if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "installing Debian's nodejs and npm"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
# @playwright/test 1.65 needs node 20; Debian 12's own nodejs is 18 (NodeSource or Debian 13 give 20+).
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || { echo "the browser tests need node 20 or newer (found $(node --version)): install it, e.g. from NodeSource" >&2; exit 1; }
stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
    touch "$stamp"
fi
exec npx playwright test "$@"
