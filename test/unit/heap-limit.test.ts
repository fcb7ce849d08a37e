// The worker's heap limit can only be given where the process starts: each way of starting it gives the same flags.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_NODE_FLAGS } from '../../src/worker/heap-limit';

const ROOT = join(__dirname, '..', '..');

test("the image's command starts the worker with the flags", () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/src/worker.js']);
});

test('npm start starts the worker with the flags', () => {
  const script = readFileSync(join(ROOT, 'scripts', 'start.sh'), 'utf8');
  expect(script).toContain(`exec node ${WORKER_NODE_FLAGS.join(' ')} dist/src/worker.js "$@"`);
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
