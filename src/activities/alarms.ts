// The CloudWatch alarms of an environment's bake, read through the AWS SDK: which are in ALARM now. Credentials come
// from the worker's standard chain, or the environment's AWS role where it has one (as its stack is read).
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE, type FiringAlarm } from '../contract';
import type { EnvironmentRoles } from '../identity/aws-roles';

export interface FiringAlarmsInput {
  environment: string;
  /** CloudWatch alarm ARNs. */
  alarms: string[];
}

/** arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME → its region and name (a name may hold ":"). */
export function alarmOfArn(arn: string): { region: string; name: string } {
  const [, , , region = '', , , ...name] = arn.split(':');
  return { region, name: name.join(':') };
}

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;

export function createAlarmActivities(roles: EnvironmentRoles | undefined) {
  const clients = new Map<string, CloudWatchClient>();
  const clientFor = (region: string, environment: string) => {
    const credentials = roles?.coordinatorCredentials(environment);
    const key = `${region}|${credentials ? environment : ''}`;
    let client = clients.get(key);
    if (!client) {
      // (The SDK reads AWS_ENDPOINT_URL itself, as it does for CloudFormation: a local endpoint for tests.)
      client = new CloudWatchClient({ region, ...(credentials ? { credentials } : {}) });
      clients.set(key, client);
    }
    return client;
  };

  return {
    /**
     * The alarms in ALARM now, in the order given. An alarm CloudWatch does not know is an error that names it: a
     * bake watching nothing would pass unseen.
     */
    async firingAlarms({ environment, alarms }: FiringAlarmsInput): Promise<FiringAlarm[]> {
      const byRegion = new Map<string, string[]>();
      for (const arn of alarms) {
        const { region, name } = alarmOfArn(arn);
        byRegion.set(region, [...(byRegion.get(region) ?? []), name]);
      }
      const found = new Map<string, { state?: string; reason?: string }>();
      for (const [region, names] of byRegion) {
        for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
          const { MetricAlarms = [], CompositeAlarms = [] } = await clientFor(region, environment).send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(i, i + NAMES_PER_CALL),
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            }),
          );
          for (const alarm of [...MetricAlarms, ...CompositeAlarms]) {
            if (alarm.AlarmArn) found.set(alarm.AlarmArn, { state: alarm.StateValue, reason: alarm.StateReason });
          }
        }
      }
      const missing = alarms.filter((arn) => !found.has(arn));
      if (missing.length > 0) {
        throw ApplicationFailure.create({
          message: `no such CloudWatch alarm: ${missing.join(', ')}`,
          type: FAILURE.alarmNotFound,
          nonRetryable: true,
        });
      }
      return alarms
        .filter((arn) => found.get(arn)?.state === 'ALARM')
        .map((arn) => ({ name: alarmOfArn(arn).name, reason: (found.get(arn)?.reason ?? '').slice(0, 300) }));
    },
  };
}
