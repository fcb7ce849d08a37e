import { awsCloudFormation } from '../cloudformation/aws-cloudformation';
import type { CloudFormationPort, StackEvent } from '../cloudformation/port';
import type { StackTarget } from '../domain/stack-target';
import { present } from '../domain/present';
import type { EnvironmentRoles } from '../identity/aws-roles';

export type { StackTarget };

export type CloudFormationFor = (target: StackTarget) => CloudFormationPort;

/**
 * One SDK client per region and endpoint, credentials from the worker's standard provider chain; per environment too
 * where the environment has an AWS role (its stack is read and changed as that role).
 */
export function awsCloudFormationFor(roles?: EnvironmentRoles): CloudFormationFor {
  const clients = new Map<string, CloudFormationPort>();
  return ({ region, endpoint, environment }) => {
    const credentials = environment === undefined ? undefined : roles?.coordinatorCredentials(environment);
    const key = `${region ?? ''}|${endpoint ?? ''}|${credentials ? environment : ''}`;
    let port = clients.get(key);
    if (!port) {
      port = awsCloudFormation(present({ region, endpoint, credentials }));
      clients.set(key, port);
    }
    return port;
  };
}

export interface StackPoll {
  status?: string;
  statusReason?: string;
  outputs: Record<string, string>;
  events: StackEvent[];
}

export function createCloudFormationActivities(cloudFormationFor: CloudFormationFor) {
  return {
    /** Where this deployment starts watching: the stack's newest event before it deploys. */
    async newestStackEvent(target: StackTarget): Promise<string | undefined> {
      return cloudFormationFor(target).newestStackEventId(target.stackName);
    },

    /** The stack's status alone (undefined when there is no stack): preflight and compensation need no events. */
    async stackStatus(target: StackTarget): Promise<string | undefined> {
      return (await cloudFormationFor(target).describeStack(target.stackName))?.status;
    },

    /** The stack's status and the events since the last one seen (oldest first). */
    async pollStack({ sinceEventId, ...target }: StackTarget & { sinceEventId?: string }): Promise<StackPoll> {
      const cfn = cloudFormationFor(target);
      const stack = await cfn.describeStack(target.stackName);
      if (!stack) return { outputs: {}, events: [] };
      const events = await cfn.newStackEvents(target.stackName, sinceEventId);
      return {
        status: stack.status,
        ...(stack.statusReason ? { statusReason: stack.statusReason } : {}),
        outputs: stack.outputs,
        events,
      };
    },

    /** Cancels an update in progress; false when there is none to cancel (it finished, or it is a create). */
    async cancelStackUpdate({ clientRequestToken, ...target }: StackTarget & { clientRequestToken?: string }) {
      const cfn = cloudFormationFor(target);
      const stack = await cfn.describeStack(target.stackName);
      if (stack?.status !== 'UPDATE_IN_PROGRESS') return false;
      await cfn.cancelUpdateStack(target.stackName, clientRequestToken);
      return true;
    },

    async continueStackRollback({ clientRequestToken, ...target }: StackTarget & { clientRequestToken?: string }) {
      await cloudFormationFor(target).continueUpdateRollback(target.stackName, clientRequestToken);
    },
  };
}
