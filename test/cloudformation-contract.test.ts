// The CloudFormation port's contract: the real AWS SDK against moto answers it, and so must the scripted fake
// that drives what moto cannot (long updates, stalls, rollbacks).
import { awsCloudFormation } from '../src/cloudformation/aws-cloudformation';
import type { CloudFormationPort } from '../src/cloudformation/port';
import { ScriptedCloudFormation } from './helpers/scripted-cloudformation';
import { MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './helpers/moto';

let moto: Moto | undefined;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(() => moto?.stop());

const queueTemplate = (name: string) =>
  JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } } } });

async function changeSetSettled(cfn: CloudFormationPort, stack: string, name: string) {
  for (let i = 0; i < 50; i++) {
    const description = await cfn.describeChangeSet(stack, name);
    if (description && !/PENDING|IN_PROGRESS/.test(description.status)) return description;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('change set never settled');
}

describe.each([
  ['moto', () => awsCloudFormation({ region: MOTO_REGION, endpoint: moto!.endpoint, credentials: MOTO_CREDENTIALS })],
  ['the scripted fake', () => new ScriptedCloudFormation()],
])('%s', (_name, make) => {
  let cfn: CloudFormationPort;
  beforeAll(() => {
    cfn = make();
  });

  test('a stack that does not exist is undefined, and so is a change set of it', async () => {
    expect(await cfn.describeStack('NoSuchStack')).toBeUndefined();
    expect(await cfn.describeChangeSet('NoSuchStack', 'nothing')).toBeUndefined();
  });

  test('a change set is created, executed with a token, and the stack completes with events', async () => {
    await cfn.createChangeSet({
      stackName: 'ContractStack',
      changeSetName: 'deploy-1',
      changeSetType: 'CREATE',
      templateBody: queueTemplate('contract-queue'),
    });
    const changeSet = await changeSetSettled(cfn, 'ContractStack', 'deploy-1');
    expect(changeSet).toMatchObject({ status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE' });
    expect(changeSet.changes).toBeGreaterThanOrEqual(1);
    await cfn.executeChangeSet('ContractStack', 'deploy-1', 'deploy-1');
    let stack = await cfn.describeStack('ContractStack');
    for (let i = 0; i < 50 && stack?.status.endsWith('_IN_PROGRESS'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stack = await cfn.describeStack('ContractStack');
    }
    expect(stack).toMatchObject({ stackName: 'ContractStack', status: 'CREATE_COMPLETE' });
    const events = await cfn.newStackEvents('ContractStack');
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({ logicalResourceId: 'ContractStack', resourceStatus: 'CREATE_COMPLETE' });
    // Oldest first, and nothing new after the last one seen.
    expect([...events].sort((a, b) => a.timestamp - b.timestamp).map((e) => e.eventId)).toEqual(
      events.map((e) => e.eventId),
    );
    expect(await cfn.newStackEvents('ContractStack', events.at(-1)!.eventId)).toEqual([]);
    expect(await cfn.newestStackEventId('ContractStack')).toBe(events.at(-1)!.eventId);
    expect(await cfn.newestStackEventId('NoSuchStack')).toBeUndefined();
  });

  test('a change set without changes fails with the "no changes" reason, as on AWS', async () => {
    await cfn.createChangeSet({
      stackName: 'ContractStack',
      changeSetName: 'deploy-2',
      changeSetType: 'UPDATE',
      templateBody: queueTemplate('contract-queue'),
    });
    const changeSet = await changeSetSettled(cfn, 'ContractStack', 'deploy-2');
    expect(changeSet.status).toBe('FAILED');
    expect(changeSet.statusReason).toMatch(/didn't contain changes|No updates are to be performed/);
  });

  test('a change set that is deleted is gone', async () => {
    await cfn.createChangeSet({
      stackName: 'ContractStack',
      changeSetName: 'deploy-3',
      changeSetType: 'UPDATE',
      templateBody: queueTemplate('contract-queue-renamed'),
    });
    await changeSetSettled(cfn, 'ContractStack', 'deploy-3');
    await cfn.deleteChangeSet('ContractStack', 'deploy-3');
    expect(await cfn.describeChangeSet('ContractStack', 'deploy-3')).toBeUndefined();
  });
});
