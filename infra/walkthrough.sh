#!/usr/bin/env bash
# Runs the README's curl walk-through, as written, against a fresh local server (new data folder,
# free port, the setup link it prints), and checks what it answers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --quiet -p secboard-infra --bin secboard-local
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$data/server.log"
env -u BOOTSTRAP_ADMIN_EMAIL -u BOOTSTRAP_ADMIN_PASSWORD -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB \
    "${CARGO_TARGET_DIR:-target}/debug/secboard-local" --listen "127.0.0.1:$port" --data "$data/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    grep -q 'setup.html#' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "walkthrough: the local server stopped" >&2; exit 1; }
    sleep 0.1
done
TOKEN="$(grep -o 'setup.html#[A-Za-z0-9_-]*' "$log" | head -1 | cut -d'#' -f2)"
[ -n "$TOKEN" ] || { cat "$log" >&2; echo "walkthrough: no setup link printed" >&2; exit 1; }
script="$(sed -n '/<!-- walkthrough:start -->/,/<!-- walkthrough:end -->/p' README.md | sed '1,2d;$d' | sed '$d')"
# A photo for step 5: a 256 x 256 PNG made here.
python3 - "$data/photo.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\x00" + bytes([40, 90, 200]) * 256 for _ in range(256))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
out="$(BASE="http://127.0.0.1:$port" TOKEN="$TOKEN" PHOTO="$data/photo.png" bash -euo pipefail -c "$script")"
echo "$out"
# The lines the walk-through's comments promise, in order (JSON answers aside).
got="$(echo "$out" | grep -v '^{' | tr '\n' ' ')"
want="ada@example.com email +442079460000 256 1 True your password is set; sign in with it complete_profile if this email belongs to an account that may reset its password, a link is on its way complete_profile data:image/png;base64, 10 totp done totp done 3 2 401 "
if [ "$got" != "$want" ]; then
    echo "walkthrough: FAILED: expected \"$want\", got \"$got\"" >&2
    exit 1
fi
echo "walkthrough: OK (README curl walk-through ran as written)"
