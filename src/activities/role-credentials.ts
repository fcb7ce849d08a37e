// A deploy step's AWS credentials where its environment has a role: the role's, handed over through the worker's
// credentials endpoint, and none of the worker's own.
import { ApplicationFailure } from '@temporalio/activity';
import { type DeploySession, FAILURE } from '../contract';
import {
  type AwsCredentialIdentity,
  type EnvironmentRoles,
  REFRESH_BEFORE_MS,
  type TemporaryCredentials,
} from '../identity/aws-roles';
import type { CredentialsEndpoint } from '../identity/credentials-endpoint';
import type { SupervisedProcess } from './supervised-process';

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

/** What a step's process gets (nothing, where its environment has no role), and how to take it back. */
export interface RoleStep {
  process: Pick<SupervisedProcess, 'withoutVariables' | 'secrets'> & { environment: Record<string, string> };
  /** The same role session for the worker's own calls in the step's name (fetching its assembly from S3). */
  sdkCredentials?: () => Promise<AwsCredentialIdentity>;
  revoke(): void;
}

/** Assumes the session's environment role for one step (refused: AwsRoleRefused, nothing run). */
export async function roleStep(
  credentials: RoleCredentials | undefined,
  session: DeploySession | undefined,
): Promise<RoleStep> {
  const role = session ? credentials?.roles.roleOf(session.environment) : undefined;
  if (!role || !session || !credentials) return { process: { environment: {} }, revoke: () => undefined };
  let current: TemporaryCredentials | undefined;
  const fetch = async () => (current = await credentials.roles.assume(role, session));
  let grant;
  try {
    grant = await credentials.endpoint.grant(fetch);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot assume ${role.roleArn} for ${session.environment}: ${(err as Error).name}: ${(err as Error).message}`,
      FAILURE.awsRoleRefused,
    );
  }
  const sdkCredentials = async (): Promise<AwsCredentialIdentity> => {
    if (!current || Date.parse(current.Expiration) - Date.now() < REFRESH_BEFORE_MS) await fetch();
    const { AccessKeyId, SecretAccessKey, Token, Expiration } = current!;
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: Token,
      expiration: new Date(Expiration),
    };
  };
  return {
    sdkCredentials,
    process: {
      environment: {
        ...grant.environment,
        AWS_EC2_METADATA_DISABLED: 'true',
        ...(role.region ? { AWS_REGION: role.region, AWS_DEFAULT_REGION: role.region } : {}),
      },
      withoutVariables: WORKER_CREDENTIALS,
      secrets: () => (current ? [current.AccessKeyId, current.SecretAccessKey, current.Token] : []),
    },
    // What the step was given stops working for it once it has ended.
    revoke: grant.revoke,
  };
}
