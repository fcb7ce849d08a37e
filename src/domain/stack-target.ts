// How CloudFormation activities address an environment's stack and a deployment's change set.
import type { EnvironmentSettings } from '../contract';
import { changeSetName } from './cloudformation-names';

export interface StackTarget {
  stackName: string;
  /** Whose stack: an environment with an AWS role has its stack read and changed as that role. */
  environment?: string;
  region?: string;
  endpoint?: string;
}

export interface ChangeSetTarget extends StackTarget {
  changeSetName: string;
}

/** The environment's stack. */
export function stackTarget(settings: EnvironmentSettings): StackTarget {
  const { region, endpoint } = settings.cloudformation ?? {};
  return {
    stackName: settings.stackName,
    environment: settings.environment,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** The change set a cdk deployment prepares, executes, or deletes in compensation: named after its correlation ID. */
export function changeSetTarget(settings: EnvironmentSettings, correlationId: string): ChangeSetTarget {
  return { ...stackTarget(settings), changeSetName: changeSetName(correlationId) };
}
