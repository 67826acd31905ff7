#!/usr/bin/env bash
# Builds every Lambda function for AWS: `cargo lambda build --release --arm64`, one bootstrap per
# function under $TARGET/lambda/<function>/bootstrap, then prints each bootstrap's size.
#
#   infra/build-lambdas.sh            # arm64 (what template.yaml deploys)
#   infra/build-lambdas.sh --x86-64   # x86_64 instead
#
# Installs what it needs: the aarch64 Rust standard library (rustup) and cargo-lambda, which brings
# zig as the cross linker (PyPI, into the same tools venv as infra/test-all.sh). A clean arm64 build
# of every function takes about 20 minutes on 2 cores (17 min measured, benches/README.md); it is
# not part of infra/test-all.sh.
# Only the function crates are selected (-p), so no test-only feature (the OpenAPI schemas) is
# unified into what ships.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
venv="$tools/venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1

arch=--arm64
triple=aarch64-unknown-linux-gnu
if [ "${1:-}" = "--x86-64" ]; then arch=--x86-64; triple=x86_64-unknown-linux-gnu; fi

rustup target list --installed | grep -qx "$triple" || rustup target add "$triple"
if [ ! -x "$venv/bin/cargo-lambda" ]; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "cargo-lambda==1.9.2"
fi
export PATH="$venv/bin:$PATH"

functions=()
for dir in functions/*/; do functions+=(-p "$(basename "$dir")"); done

cargo lambda build --release "$arch" "${functions[@]}"

target="${CARGO_TARGET_DIR:-target}"
printf '\n%-16s %12s\n' function bytes
for dir in functions/*/; do
    f="$(basename "$dir")"
    printf '%-16s %12s\n' "$f" "$(stat -c %s "$target/lambda/$f/bootstrap")"
done
