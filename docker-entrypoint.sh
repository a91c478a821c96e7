#!/bin/sh
# Apply pending migrations, then hand the process over to the service so it receives SIGTERM itself.
set -e
node dist/src/cli.js migration:run
export DATABASE_MIGRATIONS_RUN=false
exec node dist/src/main.js
