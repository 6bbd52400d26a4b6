#!/bin/bash
# Starts mongod through the image's entrypoint (which creates the root user on an empty
# data directory), sizing the WiredTiger cache from the container's memory limit:
# 50% of (limit - 1 GiB), at least 256 MiB -- MongoDB's own rule, applied to the limit
# rather than to the node's RAM.
set -euo pipefail
limit_mib=$(( MEMORY_LIMIT_BYTES / 1048576 ))
cache_mib=$(( (limit_mib - 1024) / 2 ))
(( cache_mib < 256 )) && cache_mib=256
cache_gb=$(awk -v m="$cache_mib" 'BEGIN { printf "%.2f", m / 1024 }')
exec docker-entrypoint.sh mongod \
  --replSet "${MONGO_REPLICA_SET}" \
  --bind_ip_all \
  --keyFile /keyfile/keyfile \
  --wiredTigerCacheSizeGB "${cache_gb}"
