// deployctl's queries ask again while a worker refuses them (the workflow-task guard), and only then.
import { REFUSED_OUTSIDE_WORKFLOW_TASK } from '../../src/contract/failure-types';
import { askUntilAnswered, isRefusedQuery } from '../../src/client/refused-query';

const refusal = () =>
  new Error('Query failed', { cause: new Error(`${REFUSED_OUTSIDE_WORKFLOW_TASK} 40-47 outside a workflow task`) });

/** A query that is refused `times` times, then answered; with the number of times it was asked. */
function refusedThenAnswered(times: number) {
  let asked = 0;
  return {
    ask: async () => {
      asked += 1;
      if (asked <= times) throw refusal();
      return 'answer';
    },
    asked: () => asked,
  };
}

test('a refused query is asked again until answered', async () => {
  const query = refusedThenAnswered(2);
  let told = 0;
  await expect(askUntilAnswered(query.ask, { onRefused: () => told++, pausesMs: [1, 1, 1] })).resolves.toBe('answer');
  expect(query.asked()).toBe(3);
  expect(told).toBe(2);
});

test('a query refused every time fails with the refusal once the pauses are spent', async () => {
  const query = refusedThenAnswered(Infinity);
  await expect(askUntilAnswered(query.ask, { pausesMs: [1, 1] })).rejects.toThrow('Query failed');
  expect(query.asked()).toBe(3);
});

test('any other failure is not asked again', async () => {
  let asked = 0;
  const failing = async () => {
    asked += 1;
    throw new Error('workflow not found');
  };
  await expect(askUntilAnswered(failing, { pausesMs: [1, 1] })).rejects.toThrow('workflow not found');
  expect(asked).toBe(1);
  expect(isRefusedQuery(new Error('workflow not found'))).toBe(false);
  expect(isRefusedQuery(refusal())).toBe(true);
});
