// The CI examples parse as their CI reads them, and use only what the action and deployctl have: a renamed input or
// flag breaks this test before it breaks someone's pipeline.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: unknown;
  steps?: Step[];
}

const action = read('action.yml') as {
  inputs: Record<string, { required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};
const workflows = readdirSync(join(ROOT, 'examples', 'github-actions')).filter((name) => name.endsWith('.yml'));
const isThisAction = (step: Step) => /(^|\/)deployment-coordinator@/.test(step.uses ?? '');

test('action.yml: a node action whose main is the committed bundle', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'bundle/action.js' });
  expect(readFileSync(join(ROOT, action.runs.main), 'utf8').length).toBeGreaterThan(0);
});

test('there are GitHub workflow examples, deploying on the worker and on the runner', () => {
  expect(workflows).toEqual(expect.arrayContaining(['deploy.yml', 'deploy-on-runner.yml']));
});

test.each(workflows)('%s: a GitHub workflow whose steps name only inputs the action has', (name) => {
  const workflow = read(join('examples', 'github-actions', name)) as { on?: unknown; jobs?: Record<string, Job> };
  expect(workflow.on).toBeDefined();
  const jobs = Object.entries(workflow.jobs ?? {});
  expect(jobs.length).toBeGreaterThan(0);
  const uses = jobs.flatMap(([, job]) => {
    expect(job['runs-on']).toBeDefined();
    for (const step of job.steps ?? []) expect(step.uses ?? step.run).toBeDefined();
    return (job.steps ?? []).filter(isThisAction);
  });
  expect(uses.length).toBeGreaterThan(0);
  for (const step of uses) {
    const given = Object.keys(step.with ?? {});
    expect(given.filter((input) => !(input in action.inputs))).toEqual([]);
    const required = Object.entries(action.inputs).filter(([, spec]) => spec.required);
    for (const [input] of required) expect(given).toContain(input);
    if (step.with?.mode === 'run') expect(typeof step.with.run).toBe('string');
  }
  // Outputs read from the action's steps exist.
  const text = readFileSync(join(ROOT, 'examples', 'github-actions', name), 'utf8');
  for (const [, output] of text.matchAll(/steps\.deploy\.outputs\.([a-z-]+)/g))
    expect(action.outputs).toHaveProperty(output!);
});

test('the GitLab example: parses, and calls the single-file deployctl with commands and flags it has', () => {
  const pipeline = read(join('examples', 'gitlab', '.gitlab-ci.yml')) as Record<string, { script?: string[] }>;
  const lines = Object.values(pipeline).flatMap((job) => (typeof job === 'object' && job?.script) || []);
  const calls = lines.filter((line) => line.startsWith('node deployctl.js '));
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    const [, command, rest] = /^node deployctl\.js (\S+) (.*?)(?: -- .*)?$/s.exec(call) ?? [];
    const help = spawnSync(process.execPath, [join(ROOT, 'bundle', 'deployctl.js'), command!, '--help'], {
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    for (const [flag] of (rest ?? '').matchAll(/--[a-z-]+/g))
      expect(help.stdout).toMatch(new RegExp(`${flag}(?![a-z-])`));
  }
});

test('monitoring: the scrape config finds the workers on the compose network; each alert and panel has a query', () => {
  const prometheus = read('examples/monitoring/prometheus.yml') as {
    rule_files: string[];
    scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[]; port: number }> }>;
  };
  expect(prometheus.rule_files).toEqual(['alerts.yml']);
  expect(prometheus.scrape_configs[0]!.dns_sd_configs[0]).toMatchObject({ names: ['worker'], port: 9464 });
  const compose = read('docker-compose.yml') as { services: { worker: { environment: Record<string, string> } } };
  expect(compose.services.worker.environment.DEPLOY_METRICS_ADDRESS).toBe('0.0.0.0:9464');

  const alerts = read('examples/monitoring/alerts.yml') as {
    groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }>;
  };
  const rules = alerts.groups.flatMap((group) => group.rules);
  expect(rules.length).toBeGreaterThanOrEqual(5);
  for (const rule of rules) expect(rule.expr.trim()).not.toBe('');

  const dashboard = JSON.parse(readFileSync(join(ROOT, 'examples/monitoring/grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
  for (const panel of dashboard.panels) expect(panel.targets.length).toBeGreaterThan(0);
});
