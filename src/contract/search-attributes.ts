// The search attributes deployments and locks carry: the Web UI and deployctl filter and report on them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DEPLOYMENT_ENVIRONMENT = defineSearchAttributeKey('DeploymentEnvironment', SearchAttributeType.KEYWORD);
export const STACK_NAME = defineSearchAttributeKey('StackName', SearchAttributeType.KEYWORD);
export const CORRELATION_ID = defineSearchAttributeKey('CorrelationId', SearchAttributeType.KEYWORD);
export const DEPLOYMENT_STATUS = defineSearchAttributeKey('DeploymentStatus', SearchAttributeType.KEYWORD);
/** Who asked for the deployment: the CI actor, or the local user of deployctl. */
export const REQUESTED_BY = defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD);
/** The commit, branch or tag deployed: promotion and rollback find a ref's deployments by it. */
export const DEPLOYMENT_REF = defineSearchAttributeKey('DeploymentRef', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [
  DEPLOYMENT_ENVIRONMENT,
  STACK_NAME,
  CORRELATION_ID,
  DEPLOYMENT_STATUS,
  REQUESTED_BY,
  DEPLOYMENT_REF,
] as const;
