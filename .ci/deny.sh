#!/usr/bin/env bash
# cargo-deny over the dependency tree, as deny.toml says: licenses, bans (duplicate versions are
# warnings) and sources always; advisories need the RustSec database from github.com, so they run
# when it is reachable and are reported as SKIPPED otherwise (CI_REQUIRE_ADVISORIES=1 makes that
# an error). The release workflow always runs all four. cargo-deny is installed from crates.io,
# pinned, if this version is missing (about 9 min on 2 busy cores).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_DENY_VERSION=${CARGO_DENY_VERSION:-0.20.2}
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "ci: installing cargo-deny $CARGO_DENY_VERSION from crates.io" >&2
  cargo install --locked "cargo-deny@$CARGO_DENY_VERSION"
fi
cargo deny --locked check licenses bans sources
if timeout 30 git ls-remote --exit-code https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
  cargo deny --locked check advisories
elif [ "${CI_REQUIRE_ADVISORIES:-0}" = 1 ]; then
  echo "ci: cargo deny check advisories: github.com/rustsec/advisory-db is not reachable" >&2
  exit 1
else
  echo "ci: SKIPPED cargo deny check advisories: github.com/rustsec/advisory-db is not reachable from here" >&2
fi
