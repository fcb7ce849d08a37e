// The worker's launch settings can only be given where the process starts: each way of starting it gives the same.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../src/worker/launch-settings';

const ROOT = join(__dirname, '..', '..');
/** The image's final stage: what the running container gets. */
const imageStage = () =>
  readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split(/^FROM /m)
    .pop() ?? '';

test("the image's command starts the worker with the flags", () => {
  const cmd = /^CMD (\[.*\])$/m.exec(imageStage())?.[1];
  expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/src/worker.js']);
});

test("the image sets the worker's environment", () => {
  expect(Object.keys(WORKER_ENV).length).toBeGreaterThan(0);
  for (const [name, value] of Object.entries(WORKER_ENV)) {
    expect(imageStage()).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
  }
});

describe('npm start (scripts/start.sh)', () => {
  // Its build and the worker itself stand aside: `npm` does nothing, and `node` prints what it was started with.
  const bin = mkdtempSync(join(tmpdir(), 'start-sh-'));
  writeFileSync(join(bin, 'npm'), '#!/bin/sh\n');
  const names = Object.keys(WORKER_ENV);
  writeFileSync(
    join(bin, 'node'),
    `#!/bin/sh\n${names.map((n) => `echo "${n}=\${${n}-}"`).join('\n')}\nprintf '%s\\n' "$@"\n`,
  );
  for (const stub of ['npm', 'node']) chmodSync(join(bin, stub), 0o755);
  const start = (env: NodeJS.ProcessEnv) => {
    const inherited = { ...process.env };
    for (const name of names) delete inherited[name];
    return execFileSync('bash', [join(ROOT, 'scripts', 'start.sh'), 'extra-argument'], {
      env: {
        ...inherited,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        ...env,
      },
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
  };

  test("starts the worker with the flags and the worker's environment", () => {
    expect(start({})).toEqual([
      ...Object.entries(WORKER_ENV).map(([name, value]) => `${name}=${value}`),
      ...WORKER_NODE_FLAGS,
      'dist/src/worker.js',
      'extra-argument',
    ]);
  });

  test('keeps a value the environment sets already', () => {
    const own = Object.fromEntries(names.map((name) => [name, '7']));
    expect(start(own).slice(0, names.length)).toEqual(names.map((name) => `${name}=7`));
  });
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
