// The CDK CLI the worker ships with (the aws-cdk package), and the environment it always runs with.

export const CDK_CLI = require.resolve('aws-cdk/bin/cdk');

/** No version check and no telemetry: the CLI talks to AWS and nothing else. */
export const CDK_QUIET_ENV = { CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
