// Each environment's AWS role, assumed by the worker for one deploy step at a time: the session named after the
// correlation ID, the requester as its source identity, environment, repository and ref as session tags, so that
// CloudTrail names who and what behind every change (the role's trust policy must allow sts:SetSourceIdentity and
// sts:TagSession).
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsRole } from '../config/identity-config';
import type { DeploySession } from '../contract/identity';

/** Role credentials are fetched anew this long before they expire. */
export const REFRESH_BEFORE_MS = 5 * 60_000;

/** Credentials as an AWS SDK v3 client takes them. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Short-lived credentials, in the shape AWS SDKs read from a container credentials endpoint. */
export interface TemporaryCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** ISO 8601. */
  Expiration: string;
}

/** What STS allows in a session name and a source identity: [\w+=,.@-], 2 to 64 characters. */
function stsName(text: string): string {
  const kept = text.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return kept.length >= 2 ? kept : `${kept}--`.slice(0, 2);
}

/** What STS allows in a session tag's value: letters, digits, spaces and _.:/=+-@, at most 256 characters. */
function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\p{Z}_.:/=+\-@]/gu, '-').slice(0, 256);
}

/** The parameters of the role session for a deploy step (pure, so that what CloudTrail will show is tested). */
export function assumeRoleParameters(role: AwsRole, session: DeploySession) {
  const requester = session.requester ?? 'unknown';
  const tags: Array<[string, string | undefined]> = [
    ['environment', session.environment],
    ['repository', session.repository],
    ['ref', session.ref],
    ['verified', String(session.verified)],
  ];
  return {
    RoleArn: role.roleArn,
    RoleSessionName: stsName(session.correlationId),
    // An unverified name is marked as such where it is recorded.
    SourceIdentity: stsName(session.verified ? requester : `unverified.${requester}`),
    Tags: tags
      .filter((tag): tag is [string, string] => tag[1] !== undefined && tag[1] !== '')
      .map(([Key, value]) => ({ Key, Value: tagValue(value) })),
    DurationSeconds: Math.round(role.sessionDurationMs / 1000),
    ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
  };
}

/** Assumes environments' roles with the worker's own credentials (its standard provider chain). */
export class EnvironmentRoles {
  private readonly clients = new Map<string, STSClient>();

  constructor(private readonly roles: Readonly<Record<string, AwsRole>>) {}

  roleOf(environment: string): AwsRole | undefined {
    return this.roles[environment];
  }

  /**
   * The worker's own credentials for an environment's stack (reading it, and the change sets of cdk deployments): its
   * role, in a session of the coordinator's, refreshed before it expires. Undefined where it has no role.
   */
  coordinatorCredentials(environment: string): (() => Promise<AwsCredentialIdentity>) | undefined {
    const role = this.roles[environment];
    if (!role) return undefined;
    const session = { environment, correlationId: `coordinator-${environment}`, requester: 'deployment-coordinator' };
    let current: AwsCredentialIdentity | undefined;
    return async () => {
      if (!current?.expiration || current.expiration.getTime() - Date.now() < REFRESH_BEFORE_MS) {
        const got = await this.assume(role, { ...session, verified: true });
        current = {
          accessKeyId: got.AccessKeyId,
          secretAccessKey: got.SecretAccessKey,
          sessionToken: got.Token,
          expiration: new Date(got.Expiration),
        };
      }
      return current;
    };
  }

  /** Fresh credentials of the session's environment role. */
  async assume(role: AwsRole, session: DeploySession): Promise<TemporaryCredentials> {
    const region = role.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    let sts = this.clients.get(region);
    if (!sts) {
      sts = new STSClient({ region });
      this.clients.set(region, sts);
    }
    const { Credentials: got } = await sts.send(new AssumeRoleCommand(assumeRoleParameters(role, session)));
    if (!got?.AccessKeyId || !got.SecretAccessKey || !got.SessionToken || !got.Expiration) {
      throw new Error(`STS returned no credentials for ${role.roleArn}`);
    }
    return {
      AccessKeyId: got.AccessKeyId,
      SecretAccessKey: got.SecretAccessKey,
      Token: got.SessionToken,
      Expiration: got.Expiration.toISOString(),
    };
  }
}
