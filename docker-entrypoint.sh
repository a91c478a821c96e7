#!/bin/sh
# Apply pending migrations, then hand the process over to the service so it receives SIGTERM itself.
set -e
node dist/src/cli.js migration:run
export DATABASE_MIGRATIONS_RUN=false
# The Node.js flags of `npm start` (package.json; docs/operations.md, "Start-up and shutdown").
exec node --max-semi-space-size=64 dist/src/main.js
