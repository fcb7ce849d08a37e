// The stack watch through the real AWS SDK against moto: a deploy command that creates and executes a change set,
// watched to completion; a change set without changes is a success that deploys nothing.
import { join } from 'node:path';
import { awsCloudFormation } from '../src/cloudformation/aws-cloudformation';
import { stateQuery } from '../src/contract';
import { useCoordinator, outcome } from './helpers/coordinator';
import { awsEnvironment, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';

const DEPLOY = join(__dirname, 'fixtures', 'deploy-change-set.js');
let moto: Moto | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  // The worker's environment, as on a real worker host: the deploy command and the SDK read the same.
  Object.assign(process.env, {
    ...awsEnvironment(moto.endpoint),
  });
});
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

const environment = (queueName: string) => ({
  stackName: 'OrdersStack',
  lockWaitTimeout: '1m',
  deploy: { type: 'command', command: ['node', DEPLOY, queueName] },
  cloudformation: { region: MOTO_REGION, pollInterval: '200ms' },
});
const coordinator = useCoordinator(
  { first: environment('orders-v1'), same: environment('orders-v1'), changed: environment('orders-v2') },
  {
    cloudFormationFor: ({ region }) =>
      awsCloudFormation({ region, endpoint: moto!.endpoint, credentials: MOTO_CREDENTIALS }),
  },
);

test('create, no changes, update: each watched on moto to its end', async () => {
  const created = await coordinator.deploy({ environment: 'first', correlationId: 'orders-1' });
  expect(await outcome(created)).toMatchObject({ status: 'succeeded', stackName: 'OrdersStack' });
  expect((await created.query(stateQuery)).stack).toMatchObject({ status: 'CREATE_COMPLETE', failed: 0 });
  // moto reports stack-level events only.
  expect((await created.query(stateQuery)).stack?.lastEvent).toMatchObject({
    resource: 'OrdersStack',
    status: 'CREATE_COMPLETE',
  });

  // Same template: moto answers as AWS does, a FAILED change set with the no-changes reason.
  const unchanged = await coordinator.deploy({ environment: 'same', correlationId: 'orders-2' });
  expect(await outcome(unchanged)).toMatchObject({ status: 'succeeded' });
  const quiet = (await unchanged.query(stateQuery)).stack;
  expect(quiet).toMatchObject({ status: 'CREATE_COMPLETE', done: 0, inFlight: 0 });
  expect(quiet?.lastEvent).toBeUndefined();

  const updated = await coordinator.deploy({ environment: 'changed', correlationId: 'orders-3' });
  expect(await outcome(updated)).toMatchObject({ status: 'succeeded' });
  expect((await updated.query(stateQuery)).stack).toMatchObject({ status: 'UPDATE_COMPLETE' });
  const stack = await awsCloudFormation({
    region: MOTO_REGION,
    endpoint: moto!.endpoint,
    credentials: MOTO_CREDENTIALS,
  }).describeStack('OrdersStack');
  expect(stack?.status).toBe('UPDATE_COMPLETE');
});
