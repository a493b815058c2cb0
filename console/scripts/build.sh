#!/usr/bin/env bash
# Builds the console into dist/: installs the TypeScript workspace (the root package.json: the
# client package and the console) when package-lock.json is newer than the installed tree,
# generates and builds the client package (clients/typescript) from the proto module's descriptor
# set, checks the console's types, bundles it with Vite and checks the first page's size budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
npm run --silent generate -w @tapline/client
npm run --silent build -w @tapline/client
npm run --silent typecheck -w tapline-console
npm run --silent build -w tapline-console
