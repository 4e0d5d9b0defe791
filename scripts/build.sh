#!/usr/bin/env bash
# Compiles every service and library into dist/ (one tsc pass), rewrites the @callhooks/*
# path aliases into relative requires, and copies the Avro schemas beside the compiled contracts.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.build.json
npx tsc-alias -p tsconfig.build.json
mkdir -p dist/libs/contracts
rm -rf dist/libs/contracts/schemas
cp -r libs/contracts/schemas dist/libs/contracts/schemas
# the admin console is static files served by the management API
rm -rf dist/services/management-api/console
cp -r services/management-api/console dist/services/management-api/console
