import type { Client } from '@temporalio/client';
import type { DrainSignals } from '../process/drain';
import { present } from '../domain/present';
import type { DeploySession } from '../contract';
import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract';
import type { EnvironmentRoles, TemporaryCredentials } from '../identity/aws-roles';
import type { CredentialsEndpoint, CredentialsGrant } from '../identity/credentials-endpoint';
import { runSupervised } from './supervised-process';

export interface RunDeployCommandInput {
  /** Who the step acts for (absent in histories from before 1.3): its environment's AWS role session, if any. */
  session?: DeploySession;
  /** argv: run without a shell, so nothing in it is interpreted. */
  command: string[];
  cwd?: string;
  /** Added to the worker's own environment (CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME, DEPLOY_REF). */
  environment: Record<string, string>;
  killGracePeriodMs: number;
}

/** The environments' AWS roles and the endpoint that hands their credentials to deploy steps. */
export interface RoleCredentials {
  roles: EnvironmentRoles;
  endpoint: CredentialsEndpoint;
}

/**
 * The worker's own AWS credentials, in every form a process finds them, left out of a step that gets a role's: it
 * must not fall back on them (nor on the instance's role, hence AWS_EC2_METADATA_DISABLED).
 */
const WORKER_CREDENTIALS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
] as const;

/** Runs the environment's deploy command under the process supervisor (see supervised-process.ts). */
export const createRunDeployCommand = (client: Client, drain?: DrainSignals, credentials?: RoleCredentials) =>
  async function runDeployCommand(input: RunDeployCommandInput): Promise<void> {
    const { session } = input;
    const role = session ? credentials?.roles.roleOf(session.environment) : undefined;
    let grant: CredentialsGrant | undefined;
    let current: TemporaryCredentials | undefined;
    if (role && session && credentials) {
      const fetch = async () => (current = await credentials.roles.assume(role, session));
      try {
        grant = await credentials.endpoint.grant(fetch);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `cannot assume ${role.roleArn} for ${session.environment}: ${(err as Error).name}: ${(err as Error).message}`,
          FAILURE.awsRoleRefused,
        );
      }
    }
    try {
      await runSupervised(
        {
          argv: input.command,
          ...present({ cwd: input.cwd }),
          environment: {
            ...input.environment,
            ...(grant ? { ...grant.environment, AWS_EC2_METADATA_DISABLED: 'true' } : {}),
            ...(role?.region ? { AWS_REGION: role.region, AWS_DEFAULT_REGION: role.region } : {}),
          },
          ...(grant
            ? {
                withoutVariables: WORKER_CREDENTIALS,
                secrets: () => (current ? [current.AccessKeyId, current.SecretAccessKey, current.Token] : []),
              }
            : {}),
          killGracePeriodMs: input.killGracePeriodMs,
          what: 'deploy command',
          logFields: { correlationId: input.environment.CORRELATION_ID ?? '' },
        },
        client,
        drain,
      );
    } finally {
      // What the step was given stops working for it once it has ended.
      grant?.revoke();
    }
  };
