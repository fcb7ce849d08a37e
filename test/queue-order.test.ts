// Waiting deployments run first come, first served; high priority goes ahead of normal, behind earlier high ones.
import type { Priority } from '../src/contract';
import { environmentDocument, Holds, runIntervals, runLog, useCoordinator, outcome } from './helpers/coordinator';

const fifoLog = runLog();
const priorityLog = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  fifo: environmentDocument(fifoLog, {}, 100, holds),
  priority: environmentDocument(priorityLog, {}, 100, holds),
});

/** Starts deployments one by one, each only once the previous one is in the queue, so arrival order is known. */
async function enqueueInOrder(environment: string, requests: Array<[string, Priority]>) {
  const handles = [];
  for (const [correlationId, priority] of requests) {
    handles.push(await coordinator.deploy({ environment, correlationId, priority }));
    await coordinator.queueWhen(
      environment,
      (view) =>
        view.holder?.correlationId === correlationId ||
        view.waiting.some((entry) => entry.correlationId === correlationId),
    );
  }
  return handles;
}

test('deployments run in the order they asked for the environment', async () => {
  const ids = ['fifo-a', 'fifo-b', 'fifo-c', 'fifo-d', 'fifo-e'];
  holds.hold('fifo-a');
  const handles = await enqueueInOrder(
    'fifo',
    ids.map((id) => [id, 'normal']),
  );
  holds.release('fifo-a');
  const results = await Promise.all(handles.map((handle) => outcome(handle)));
  expect(results.every((result) => result.status === 'succeeded')).toBe(true);
  expect(runIntervals(fifoLog).map((run) => run.correlationId)).toEqual(ids);
});

test('high priority goes ahead of normal requests but behind earlier high ones', async () => {
  holds.hold('running');
  const handles = await enqueueInOrder('priority', [
    ['running', 'normal'],
    ['normal-1', 'normal'],
    ['normal-2', 'normal'],
    ['high-1', 'high'],
    ['high-2', 'high'],
  ]);
  const view = await coordinator.queueWhen('priority', (queue) => queue.waiting.length === 4);
  expect(view.waiting.map((entry) => [entry.position, entry.correlationId])).toEqual([
    [1, 'high-1'],
    [2, 'high-2'],
    [3, 'normal-1'],
    [4, 'normal-2'],
  ]);
  // ETAs grow with the position.
  const etas = view.waiting.map((entry) => entry.etaMs);
  expect([...etas].sort((a, b) => a - b)).toEqual(etas);
  holds.release('running');
  await Promise.all(handles.map((handle) => outcome(handle)));
  expect(runIntervals(priorityLog).map((run) => run.correlationId)).toEqual([
    'running',
    'high-1',
    'high-2',
    'normal-1',
    'normal-2',
  ]);
});
