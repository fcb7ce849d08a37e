#!/bin/sh
# Creates the coordinator's namespace once the server answers: the one-shot job of docker-compose.yml, and what the
# native-topology test runs. The worker adds its search attributes itself at start-up.
# Environment: TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE (default), RETENTION (30d).
set -eu
address=${TEMPORAL_ADDRESS:?}
namespace=${TEMPORAL_NAMESPACE:-default}
attempts=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  attempts=$((attempts + 1))
  if [ "$attempts" -ge 60 ]; then echo "Temporal at $address is not healthy after 60 tries" >&2; exit 1; fi
  sleep 2
done
if temporal operator namespace describe --address "$address" -n "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$address" -n "$namespace" --retention "${RETENTION:-30d}"
  echo "namespace $namespace created"
fi
