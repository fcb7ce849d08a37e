import {
  CloudFormationClient,
  type CloudFormationClientConfig,
  CancelUpdateStackCommand,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { CloudFormationPort, StackEvent } from './port';

export interface AwsCloudFormationOptions {
  region?: string;
  /** A local endpoint (moto, LocalStack); AWS_ENDPOINT_URL is honoured by the SDK too. */
  endpoint?: string;
  credentials?: CloudFormationClientConfig['credentials'];
}

/** CloudFormation answers a missing stack or change set with these. */
function isMissing(err: unknown): boolean {
  const error = err as { name?: string; message?: string };
  return (
    error.name === 'ChangeSetNotFoundException' ||
    (error.name === 'ValidationError' && /does not exist/.test(error.message ?? ''))
  );
}

/** CloudFormation through the AWS SDK v3: credentials from the standard chain; throttling retried with backoff. */
export function awsCloudFormation(options: AwsCloudFormationOptions = {}): CloudFormationPort {
  const client = new CloudFormationClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Adaptive retries back off on Throttling, so a busy account slows a deployment down instead of failing it.
    retryMode: 'adaptive',
    maxAttempts: 10,
  });
  return {
    async describeStack(stackName) {
      try {
        const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
        const stack = Stacks?.[0];
        if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
        return {
          stackId: stack.StackId ?? stackName,
          stackName: stack.StackName ?? stackName,
          status: stack.StackStatus ?? 'UNKNOWN',
          ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
          outputs: Object.fromEntries(
            (stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
          ),
        };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },

    async newestStackEventId(stackName) {
      try {
        const page = await client.send(new DescribeStackEventsCommand({ StackName: stackName }));
        return page.StackEvents?.[0]?.EventId;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },

    async newStackEvents(stackName, sinceEventId) {
      // DescribeStackEvents pages newest first: read until the last event already seen.
      const newest: StackEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }));
        for (const event of page.StackEvents ?? []) {
          if (event.EventId === sinceEventId) return newest.reverse();
          newest.push({
            eventId: event.EventId ?? '',
            timestamp: event.Timestamp?.getTime() ?? 0,
            logicalResourceId: event.LogicalResourceId ?? '',
            resourceType: event.ResourceType ?? '',
            resourceStatus: event.ResourceStatus ?? '',
            ...(event.ResourceStatusReason ? { reason: event.ResourceStatusReason } : {}),
            ...(event.ClientRequestToken ? { clientRequestToken: event.ClientRequestToken } : {}),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return newest.reverse();
    },

    async createChangeSet(input) {
      const { Id } = await client.send(
        new CreateChangeSetCommand({
          StackName: input.stackName,
          ChangeSetName: input.changeSetName,
          ChangeSetType: input.changeSetType,
          ...(input.templateBody ? { TemplateBody: input.templateBody } : {}),
          ...(input.templateUrl ? { TemplateURL: input.templateUrl } : {}),
          Parameters: Object.entries(input.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
          ...(input.capabilities ? { Capabilities: input.capabilities as never } : {}),
        }),
      );
      return { id: Id ?? input.changeSetName };
    },

    async describeChangeSet(stackName, changeSetName) {
      try {
        const answer = await client.send(
          new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
        );
        return {
          id: answer.ChangeSetId ?? changeSetName,
          status: answer.Status ?? 'UNKNOWN',
          ...(answer.StatusReason ? { statusReason: answer.StatusReason } : {}),
          ...(answer.ExecutionStatus ? { executionStatus: answer.ExecutionStatus } : {}),
          changes: answer.Changes?.length ?? 0,
        };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },

    async executeChangeSet(stackName, changeSetName, clientRequestToken) {
      await client.send(
        new ExecuteChangeSetCommand({
          StackName: stackName,
          ChangeSetName: changeSetName,
          ClientRequestToken: clientRequestToken,
        }),
      );
    },

    async deleteChangeSet(stackName, changeSetName) {
      await client.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
    },

    async cancelUpdateStack(stackName, clientRequestToken) {
      await client.send(
        new CancelUpdateStackCommand({
          StackName: stackName,
          ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}),
        }),
      );
    },

    async continueUpdateRollback(stackName, clientRequestToken) {
      await client.send(
        new ContinueUpdateRollbackCommand({
          StackName: stackName,
          ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}),
        }),
      );
    },
  };
}
