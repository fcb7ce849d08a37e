#!/usr/bin/env bash
# The deploy step the example config runs on the worker, once the environment's turn has come.
# The coordinator provides CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME and DEPLOY_REF.
# Replace it with your own, or point "deploy.command" in deploy.config.json elsewhere.
# CDK_APP_DIR is the CDK app (or synthesized cdk.out) to deploy from; without it this says so and fails.
set -euo pipefail
echo "[$CORRELATION_ID] deploying ${DEPLOY_REF:-HEAD} of $STACK_NAME to $DEPLOY_ENVIRONMENT"
if [ -z "${CDK_APP_DIR:-}" ]; then
  echo "CDK_APP_DIR is not set: set it in the worker's environment, or configure another deploy command" >&2
  exit 1
fi
cd "$CDK_APP_DIR"
exec npx --no-install cdk deploy "$STACK_NAME" --require-approval never --exclusively
