// docker-compose.yml: valid for Compose, every image pinned, the Temporal server the tests build natively, the
// worker built here and scalable, nothing secret written in the file, ports on 127.0.0.1 only.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  container_name?: string;
  env_file?: unknown;
}
const compose = parse(text) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const nativeVersion = /^version=v(\S+)/m.exec(
  readFileSync(join(ROOT, 'scripts', 'ensure-temporal-server.sh'), 'utf8'),
)![1]!;

test('Compose itself accepts the file', () => {
  const found = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  // (scripts/test.sh installs it: bash scripts/ensure-compose-validator.sh)
  expect(found.status).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'compose-'));
  for (const file of ['docker-compose.yml', 'Dockerfile', 'deploy.config.json'])
    copyFileSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'compose'), join(dir, 'compose'), { recursive: true });
  copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'));
  execFileSync('docker-compose', ['config', '-q'], { cwd: dir, stdio: 'pipe' });
});

test('every image is pinned to a version, and the Temporal server is the one the tests run natively', () => {
  for (const [name, service] of services) {
    if (service.build !== undefined) continue;
    expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:\d+(\.\d+)+$/)]);
  }
  const temporalImages = services
    .map(([, service]) => service.image ?? '')
    .filter((image) => /^temporalio\/(server|admin-tools):/.test(image));
  expect(temporalImages.length).toBe(3);
  for (const image of temporalImages) expect(image.split(':')[1]).toBe(nativeVersion);
});

test('the worker: built here, pointed at the server, its config read-only, scalable', () => {
  const worker = compose.services.worker!;
  expect(worker.build).toBe('.');
  expect(worker.environment).toMatchObject({
    TEMPORAL_ADDRESS: 'temporal:7233',
    DEPLOY_CONFIG: '/config/deploy.config.json',
  });
  expect(worker.volumes).toContain('./deploy.config.json:/config/deploy.config.json:ro');
  expect(worker.env_file).toBe('.env');
  expect(worker.container_name).toBeUndefined();
  expect(worker.ports).toBeUndefined();
});

test('nothing secret in the file: secrets are ${...} from .env, and .env.example names each', () => {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
  for (const [, service] of services) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/TOKEN|SECRET|PASSWORD|PWD|API_KEY|ACCESS_KEY/.test(key))
        expect([key, value]).toEqual([key, expect.stringMatching(/^\$\{\w+/)]);
    }
  }
  for (const [, variable] of text.matchAll(/\$\{(\w+)/g)) expect(example).toMatch(new RegExp(`^${variable}=`, 'm'));
});

test('published ports bind to 127.0.0.1 only', () => {
  const ports = services.flatMap(([, service]) => service.ports ?? []);
  expect(ports.length).toBeGreaterThan(0);
  for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:/);
});
