#!/usr/bin/env bash
# Builds the console into dist/: installs its packages when package-lock.json is newer than the
# installed tree, generates the API clients from the proto module's descriptor set, checks the
# types, bundles with Vite and checks the size budget of the first page.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
npm run --silent generate
npm run --silent typecheck
npm run --silent build
