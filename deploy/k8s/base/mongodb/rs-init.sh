#!/bin/bash
# Waits for every member, then runs rs-init.js against member 0 (idempotent).
set -euo pipefail
members=(mongodb-0.mongodb:27017 mongodb-1.mongodb:27017 mongodb-2.mongodb:27017)
for m in "${members[@]}"; do
  until mongosh --quiet --host "$m" --eval 'db.adminCommand({ping: 1}).ok' >/dev/null 2>&1; do
    echo "waiting for $m"; sleep 5
  done
done
export MONGO_MEMBERS="${members[*]}"
exec mongosh --quiet --host "${members[0]}" \
  --username "$MONGO_ROOT_USERNAME" --password "$MONGO_ROOT_PASSWORD" \
  --authenticationDatabase admin /scripts/rs-init.js
