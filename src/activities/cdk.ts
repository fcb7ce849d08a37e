// The cdk deployer, split so that no retry can start a second update: prepare (publish assets, create the change
// set named after the correlation ID; safe to repeat) and execute (once, with the correlation ID as the token).
import { ApplicationFailure, Context, sleep } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { parseAssemblyLocation } from '../domain/assembly-location';
import { findStack, isCloudAssembly } from '../cdk/cloud-assembly';
import { CDK_CLI, CDK_QUIET_ENV } from '../cdk/cdk-cli';
import { assemblyOnDisk } from '../cdk/fetch-assembly';
import { present } from '../domain/present';
import type { ChangeSetDescription } from '../cloudformation/port';
import type { ChangeSetTarget, StackTarget } from '../domain/stack-target';
import type { CloudFormationFor } from './cloudformation';
import type { DrainSignals } from '../process/drain';
import { runSupervised } from './supervised-process';
import { type RoleCredentials, roleStep } from './role-credentials';
import { handedOver } from './worker-stopping';
import { type DeploySession, FAILURE } from '../contract';

const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
const EXECUTED = ['EXECUTE_IN_PROGRESS', 'EXECUTE_COMPLETE', 'EXECUTE_FAILED'];

export interface PrepareChangeSetInput extends StackTarget {
  /** Who the step acts for (absent in histories from before 1.3): its environment's AWS role session, if any. */
  session?: DeploySession;
  assembly: string;
  changeSetName: string;
  correlationId: string;
  killGracePeriodMs: number;
}

export type PrepareResult = { changes: 'none' } | { changes: 'ready'; changeSetId: string };

function isNoChanges(changeSet: ChangeSetDescription): boolean {
  return changeSet.status === 'FAILED' && NO_CHANGES.test(changeSet.statusReason ?? '');
}

export function createCdkActivities(
  cloudFormationFor: CloudFormationFor,
  client: Client,
  drain?: DrainSignals,
  credentials?: RoleCredentials,
) {
  /** Waiting on CloudFormation is safe to move: a draining worker hands the wait over to another. */
  const handOverIfDraining = () => {
    if (drain?.handOver.aborted) throw handedOver('waiting on CloudFormation');
  };

  /** Deletes the change set unless it was executed; waits until it is gone. True when there was one to delete. */
  async function discardChangeSet(target: ChangeSetTarget): Promise<boolean> {
    const cfn = cloudFormationFor(target);
    const changeSet = await cfn.describeChangeSet(target.stackName, target.changeSetName);
    if (!changeSet || EXECUTED.includes(changeSet.executionStatus ?? '')) return false;
    await cfn.deleteChangeSet(target.stackName, target.changeSetName);
    for (;;) {
      const now = await cfn.describeChangeSet(target.stackName, target.changeSetName);
      if (!now) return true;
      if (now.status === 'DELETE_FAILED') {
        throw ApplicationFailure.nonRetryable(
          `could not delete change set ${target.changeSetName} of ${target.stackName}: ` +
            (now.statusReason ?? 'no reason given'),
          FAILURE.changeSetFailed,
        );
      }
      handOverIfDraining();
      Context.current().heartbeat();
      await sleep(1000);
    }
  }

  return {
    discardChangeSet,

    /**
     * Publishes the assembly's assets and creates the change set with the CDK CLI (under the process supervisor),
     * without executing it. A retry replaces an unexecuted change set of an earlier attempt.
     */
    async prepareChangeSet(input: PrepareChangeSetInput): Promise<PrepareResult> {
      const context = Context.current();
      const location = parseAssemblyLocation(input.assembly);
      if (!location) throw ApplicationFailure.nonRetryable(`invalid assembly ${input.assembly}`, FAILURE.badAssembly);
      const cfn = cloudFormationFor(input);
      const earlier = await cfn.describeChangeSet(input.stackName, input.changeSetName);
      if (earlier?.executionStatus && EXECUTED.includes(earlier.executionStatus)) {
        return { changes: 'ready', changeSetId: earlier.id };
      }
      if (earlier) await discardChangeSet(input);

      // The environment's role, where it has one, from the assembly's download to the change set.
      const role = await roleStep(credentials, input.session);
      const target = { ...input, ...present({ credentials: role.sdkCredentials }) };
      const { dir, files, cleanup } = await assemblyOnDisk(location, target, () => context.heartbeat()).catch(
        (err: unknown) => {
          role.revoke();
          throw err;
        },
      );
      if (files > 0) context.log.info('Fetched the cloud assembly', { assembly: input.assembly, files });
      try {
        if (!isCloudAssembly(dir)) {
          throw ApplicationFailure.nonRetryable(
            `${input.assembly} is not a cloud assembly (no manifest.json): hand over the output of cdk synth`,
            FAILURE.badAssembly,
          );
        }
        let selector: string;
        try {
          selector = findStack(dir, input.stackName).selector;
        } catch (err) {
          throw ApplicationFailure.nonRetryable(`${input.assembly}: ${(err as Error).message}`, FAILURE.badAssembly);
        }
        await runSupervised(
          {
            argv: [
              process.execPath,
              CDK_CLI,
              'deploy',
              '--app',
              dir,
              '--method=prepare-change-set',
              `--change-set-name=${input.changeSetName}`,
              '--exclusively',
              '--require-approval=never',
              '--no-notices',
              '--ci',
              '--progress=events',
              selector,
            ],
            ...role.process,
            environment: {
              ...CDK_QUIET_ENV,
              CORRELATION_ID: input.correlationId,
              ...role.process.environment,
              ...(input.region ? { AWS_REGION: input.region } : {}),
              ...(input.endpoint ? { AWS_ENDPOINT_URL: input.endpoint } : {}),
            },
            killGracePeriodMs: input.killGracePeriodMs,
            what: 'cdk deploy (prepare change set)',
            logFields: { correlationId: input.correlationId },
            // Preparing changes no stack: a network error or throttling while publishing is worth another attempt,
            // and a draining worker hands it over.
            retryable: true,
            movable: true,
          },
          client,
          drain,
        );
      } finally {
        role.revoke();
        await cleanup();
      }

      const prepared = await cfn.describeChangeSet(input.stackName, input.changeSetName);
      if (!prepared) return { changes: 'none' };
      if (isNoChanges(prepared)) {
        await discardChangeSet(input);
        return { changes: 'none' };
      }
      if (prepared.status !== 'CREATE_COMPLETE') {
        throw ApplicationFailure.nonRetryable(
          `change set ${input.changeSetName} is ${prepared.status}: ${prepared.statusReason ?? 'no reason given'}`,
          FAILURE.changeSetFailed,
        );
      }
      return { changes: 'ready', changeSetId: prepared.id };
    },

    /**
     * Executes the prepared change set once. A retry finds it executing or executed and does not execute again;
     * the token makes a repeated request a no-op on AWS too. Returns once the execution has begun.
     */
    async executeChangeSet(input: ChangeSetTarget & { clientRequestToken: string }): Promise<'executed' | 'already'> {
      const cfn = cloudFormationFor(input);
      const changeSet = await cfn.describeChangeSet(input.stackName, input.changeSetName);
      if (!changeSet) {
        // AWS removes a stack's change sets once one of them has run: an earlier attempt's execution shows in the
        // stack events, which carry its token.
        const events = await cfn.newStackEvents(input.stackName);
        if (events.some((event) => event.clientRequestToken === input.clientRequestToken)) return 'already';
        throw ApplicationFailure.nonRetryable(
          `change set ${input.changeSetName} of ${input.stackName} is gone (deleted outside this deployment?)`,
          FAILURE.changeSetFailed,
        );
      }
      if (EXECUTED.includes(changeSet.executionStatus ?? '')) return 'already';
      if (changeSet.executionStatus !== 'AVAILABLE') {
        throw ApplicationFailure.nonRetryable(
          `change set ${input.changeSetName} cannot be executed: ` +
            `it is ${changeSet.executionStatus ?? changeSet.status}` +
            (changeSet.executionStatus === 'OBSOLETE' ? ' (the stack changed after it was prepared)' : ''),
          FAILURE.changeSetFailed,
        );
      }
      await cfn.executeChangeSet(input.stackName, input.changeSetName, input.clientRequestToken);
      for (;;) {
        const now = await cfn.describeChangeSet(input.stackName, input.changeSetName);
        if (!now || now.executionStatus !== 'AVAILABLE') return 'executed';
        handOverIfDraining();
        Context.current().heartbeat();
        await sleep(1000);
      }
    },
  };
}
