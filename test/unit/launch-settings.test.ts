// The worker's launch settings can only be given where the process starts: each way of starting it gives the same.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../src/worker/launch-settings';

const ROOT = join(__dirname, '..', '..');
const dockerfile = () => readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const startScript = () => readFileSync(join(ROOT, 'scripts', 'start.sh'), 'utf8');

test("the image's command starts the worker with the flags", () => {
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile())?.[1];
  expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/src/worker.js']);
});

test('npm start starts the worker with the flags', () => {
  expect(startScript()).toContain(`exec node ${WORKER_NODE_FLAGS.join(' ')} dist/src/worker.js "$@"`);
});

test("the image and npm start set the worker's environment, which a user may override", () => {
  expect(Object.keys(WORKER_ENV).length).toBeGreaterThan(0);
  for (const [name, value] of Object.entries(WORKER_ENV)) {
    expect(dockerfile()).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
    expect(startScript()).toContain(`export ${name}="\${${name}:-${value}}"`);
  }
});

test('Node accepts the flags and sets the heap limit they ask for', () => {
  const limit = execFileSync(
    process.execPath,
    [...WORKER_NODE_FLAGS, '-p', "require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20"],
    { encoding: 'utf8' },
  );
  // The limit counts the young generation too: a little over the old generation's 1024 MiB.
  expect(Number(limit)).toBeGreaterThanOrEqual(1024);
  expect(Number(limit)).toBeLessThan(1200);
});
