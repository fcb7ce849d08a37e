// The coordinator as users run it: `npm start`'s worker process with its embedded dev server, Web UI and SQLite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployctl, writeConfig } from './helpers/cli';
import { freePort } from './helpers/ports';
import { environmentDocument, eventually, runLog } from './helpers/coordinator';
import { startWorkerProcess } from './helpers/worker-process';

const dataDir = mkdtempSync(join(tmpdir(), 'coordinator-data-'));
const environments = { staging: environmentDocument(runLog()) };
const configPath = writeConfig(environments);

// As `npm start` runs it: the worker bundles its workflows itself.
const startWorker = (env: NodeJS.ProcessEnv) =>
  startWorkerProcess(configPath, { DEPLOY_DATA_DIR: dataDir, DEPLOY_WORKFLOW_BUNDLE: '', ...env });

test('npm start runs a dev server with the Web UI and persistent history, and the worker deploys', async () => {
  const port = await freePort();
  const uiPort = await freePort();
  const target = { address: `127.0.0.1:${port}`, configPath };
  const env = {
    TEMPORAL_ADDRESS: '',
    SLACK_BOT_TOKEN: '',
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(uiPort),
  };

  const first = await startWorker(env);
  try {
    expect(first.output()).toContain(`Web UI: http://localhost:${uiPort}`);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);

    const deployed = await deployctl(['deploy', '--env', 'staging', '--correlation-id', 'persisted'], target, {
      TEMPORAL_UI_URL: `http://localhost:${uiPort}`,
    });
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain('persisted succeeded');
    const link = `http://localhost:${uiPort}/namespaces/default/workflows/deploy%2Fstaging%2Fpersisted`;
    expect(deployed.stdout).toContain(link);
    expect((await fetch(link.replace('localhost', '127.0.0.1'))).status).toBe(200);
    // The deploy step's output is streamed into the worker's log, tagged with its correlation ID.
    const streamed = first
      .output()
      .split('\n')
      .find((line) => line.includes('deploying TestStack to staging'));
    expect(streamed).toContain('"correlationId":"persisted"');
    // Without SLACK_BOT_TOKEN: said once at start-up, and the notices go to the log instead.
    expect(first.output().match(/Slack is off/g)).toHaveLength(1);
    const notice = await eventually(async () =>
      first
        .output()
        .split('\n')
        .find((line) => line.includes('Succeeded: TestStack → staging')),
    );
    expect(notice).toContain('"correlationId":"persisted"');
    // Off a terminal the log is JSON lines; every line about the deployment names it and its environment, and
    // webpack's report of the workflow bundle is not among them at info.
    const lines = first
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const about = lines.filter((line) => line.workflowId === 'deploy/staging/persisted');
    expect(about.length).toBeGreaterThan(3);
    for (const line of about) expect(line).toMatchObject({ correlationId: 'persisted', environment: 'staging' });
    expect(first.output()).not.toContain('modules by path');
    expect(lines.some((line) => line.msg === 'Workflow bundle created')).toBe(true);
    // The worker reports what it runs with: the test helper starts it with the launch settings, as the image and npm
    // start do (test/unit/launch-settings.test.ts): a heap limit of 1 GiB (V8's young generation on top), two arenas.
    const running = lines.find((line) => String(line.msg).startsWith('Worker running'));
    expect(running?.heapLimitMiB).toBeGreaterThanOrEqual(1024);
    expect(running?.heapLimitMiB).toBeLessThan(1200);
    expect(running?.mallocArenaMax).toBe('2');
  } finally {
    expect(await first.stop()).toBe(0);
  }

  // Restarted on the same data folder, the server still knows the deployment.
  const second = await startWorker(env);
  try {
    const status = await deployctl(['status', '--env', 'staging', 'persisted', '--json'], target);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ correlationId: 'persisted', status: 'succeeded' });
  } finally {
    await second.stop();
  }
});

test("a first run: the example config's demo environment deploys out of the box", async () => {
  // The repository's own deploy.config.json, as `npm start` reads it, from the repository's root.
  const exampleConfig = join(__dirname, '..', 'deploy.config.json');
  const port = await freePort();
  const worker = await startWorkerProcess(exampleConfig, {
    // As on a terminal: one readable line per entry.
    LOG_FORMAT: 'pretty',
    DEPLOY_DATA_DIR: mkdtempSync(join(tmpdir(), 'coordinator-demo-')),
    TEMPORAL_ADDRESS: '',
    SLACK_BOT_TOKEN: '',
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(await freePort()),
  });
  try {
    const deployed = await deployctl(['deploy', '--env', 'demo', '--correlation-id', 'first-run'], {
      address: `127.0.0.1:${port}`,
      configPath: exampleConfig,
    });
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/^first-run succeeded in \d+s/m);
    expect(worker.output()).toContain('DemoStack Api UPDATE_COMPLETE');
    // Time, level, the deployment, the message.
    expect(worker.output()).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: demo\/first-run Succeeded: DemoStack → demo: Succeeded in \d+s/m,
    );
    expect(worker.output()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: demo\/first-run DemoStack Api UPDATE_COMPLETE$/m);
    expect(worker.output()).not.toMatch(/^\{/m);
    // The image's health check: this host's worker polls its task queue; nobody polls another one.
    const healthcheck = (taskQueue?: string) =>
      spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'worker', 'healthcheck.js')], {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
          ...(taskQueue ? { DEPLOY_TASK_QUEUE: taskQueue } : {}),
        },
        encoding: 'utf8',
      });
    expect(healthcheck().status).toBe(0);
    const unpolled = healthcheck('nobody-polls-this');
    expect(unpolled.status).toBe(1);
    expect(unpolled.stderr).toMatch(/^unhealthy: no worker of .* polls nobody-polls-this on 127\.0\.0\.1:\d+/);
  } finally {
    expect(await worker.stop()).toBe(0);
  }
});

test('a worker setting that is not a whole number of at least 2 exits 64 naming it, before starting anything', () => {
  const result = spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'worker.js'), configPath], {
    // (Nothing listens there: the worker refuses before it connects.)
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9', DEPLOY_WORKFLOW_CACHE_SIZE: '1k' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.status).toBe(64);
  expect(result.stderr).toBe(
    'deployment-coordinator: invalid DEPLOY_WORKFLOW_CACHE_SIZE "1k": use a whole number of at least 2\n',
  );
  expect(result.stdout).not.toContain('running');
});
