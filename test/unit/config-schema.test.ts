// The published JSON Schema of deploy.config.json: what editors validate against agrees with what the worker accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseConfig } from '../../src/config/deploy-config';
import { configJsonSchema } from '../../src/config/reference';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
const published = read('deploy.config.schema.json');
// (Strict: a keyword or format the validator does not know fails the test instead of being skipped.)
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(published);
const example = read('deploy.config.json');

test('the published schema is the one the config schema generates', () => {
  expect(published).toEqual(configJsonSchema());
});

test('the example config names the schema, and both the schema and the worker accept it', () => {
  expect(example.$schema).toBe('./deploy.config.schema.json');
  expect(validate(example)).toBe(true);
  expect(() => parseConfig(example)).not.toThrow();
});

test('a misspelt key is rejected by the schema, as by the worker', () => {
  const environments = example.environments as Record<string, Record<string, unknown>>;
  const misspelt = {
    ...example,
    environments: { ...environments, staging: { ...environments.staging, stackname: 'X' } },
  };
  expect(validate(misspelt)).toBe(false);
  expect(validate.errors).toContainEqual(
    expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'stackname' } }),
  );
  expect(() => parseConfig(misspelt)).toThrow(/stackname/);
});

test.each([
  ['a duration without a unit', { lockWaitTimeout: '30' }],
  ['an unknown queue mode', { queueMode: 'fifo' }],
  ['a deploy kind that does not exist', { deploy: { type: 'helm' } }],
])('the schema rejects %s, as the worker does', (_what, change) => {
  const environments = example.environments as Record<string, Record<string, unknown>>;
  const bad = { ...example, environments: { staging: { ...environments.staging, ...change } } };
  expect(validate(bad)).toBe(false);
  expect(() => parseConfig(bad)).toThrow();
});

test('durations the worker accepts pass the schema too', () => {
  const environments = example.environments as Record<string, Record<string, unknown>>;
  for (const value of ['30s', '1.5h', '250ms', '2d', ' 10 m ']) {
    const config = { ...example, environments: { staging: { ...environments.staging, lockWaitTimeout: value } } };
    expect([value, validate(config)]).toEqual([value, true]);
    expect(() => parseConfig(config)).not.toThrow();
  }
});
