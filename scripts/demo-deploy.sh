#!/usr/bin/env bash
# The demo environment's deploy step: a simulated stack update of about ten seconds, so that a first run shows the
# queue, the Web UI and the notices without a cloud account. It changes nothing anywhere.
# The coordinator provides CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME and DEPLOY_REF.
set -euo pipefail
echo "[$CORRELATION_ID] deploying ${DEPLOY_REF:-HEAD} of $STACK_NAME to $DEPLOY_ENVIRONMENT (simulated)"
for resource in Queue Topic Function Api; do
  echo "$STACK_NAME $resource UPDATE_IN_PROGRESS"
  sleep 1
  echo "$STACK_NAME $resource UPDATE_COMPLETE"
  sleep 1.5
done
# Now and then a warning, as real deploys print them; it does not fail the deployment.
if ((RANDOM % 3 == 0)); then
  echo "warning: $STACK_NAME Function uses a runtime whose support ends soon" >&2
fi
echo "$STACK_NAME UPDATE_COMPLETE"
