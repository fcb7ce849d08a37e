// Names the cdk deployer gives CloudFormation, where CI hands over assemblies, and how a stack is found in one.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblyProblem, parseAssemblyLocation } from '../../src/domain/assembly-location';
import { findStack } from '../../src/cdk/cloud-assembly';
import { changeSetName, requestToken } from '../../src/domain/cloudformation-names';
import { CORRELATION_ID_PATTERN as CORRELATION_ID } from '../../src/contract/names';

const CHANGE_SET_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;
const TOKEN = /^[A-Za-z0-9][-A-Za-z0-9]{0,127}$/;

test.each(['deploy-20261127-101500-123', 'release_2.4.1', '_leading', '-x', 'a'.repeat(128)])(
  'correlation ID %s gives a valid change set name and tokens, the same each time',
  (correlationId) => {
    expect(CORRELATION_ID.test(correlationId)).toBe(true);
    expect(changeSetName(correlationId)).toMatch(CHANGE_SET_NAME);
    expect(requestToken(correlationId)).toMatch(TOKEN);
    expect(requestToken(correlationId, 'cancel')).toMatch(TOKEN);
    expect(requestToken(correlationId, 'cancel')).toMatch(/-cancel$/);
    expect(changeSetName(correlationId)).toBe(changeSetName(correlationId));
  },
);

test('distinct correlation IDs never share a change set name or token', () => {
  const ids = ['release_1', 'release.1', 'release-1', `${'a'.repeat(127)}1`, `${'a'.repeat(127)}2`];
  expect(new Set(ids.map(changeSetName)).size).toBe(ids.length);
  expect(new Set(ids.map((id) => requestToken(id))).size).toBe(ids.length);
  expect(changeSetName('deploy-42')).toBe('deploy-deploy-42');
  expect(requestToken('deploy-42', 'cancel')).toBe('deploy-42-cancel');
});

test('assembly locations: absolute directories and S3 prefixes', () => {
  expect(parseAssemblyLocation('/srv/builds/cdk.out')).toEqual({ kind: 'path', path: '/srv/builds/cdk.out' });
  expect(parseAssemblyLocation('s3://ci-artifacts/builds/abc')).toEqual({
    kind: 's3',
    bucket: 'ci-artifacts',
    prefix: 'builds/abc/',
  });
  expect(parseAssemblyLocation('s3://ci-artifacts')).toEqual({ kind: 's3', bucket: 'ci-artifacts', prefix: '' });
  expect(assemblyProblem('cdk.out')).toMatch(/^invalid assembly "cdk.out": give the cdk synth output directory/);
  expect(assemblyProblem('s3://UPPER/x')).toMatch(/^invalid assembly/);
  expect(assemblyProblem('https://example.com/cdk.out')).toMatch(/^invalid assembly/);
});

test('a stack is found by its stack name, inside stages too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
  const manifest = (artifacts: unknown) => JSON.stringify({ version: '55.0.0', artifacts });
  writeFileSync(
    join(dir, 'manifest.json'),
    manifest({
      Tools: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Tools.template.json' } },
      'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } },
    }),
  );
  mkdirSync(join(dir, 'assembly-Prod'));
  writeFileSync(
    join(dir, 'assembly-Prod', 'manifest.json'),
    manifest({
      ProdApi: { type: 'aws:cloudformation:stack', displayName: 'Prod/Api', properties: { stackName: 'Prod-Api' } },
    }),
  );
  expect(findStack(dir, 'Tools')).toEqual({ selector: 'Tools', stackName: 'Tools' });
  expect(findStack(dir, 'Prod-Api')).toEqual({ selector: 'Prod/Api', stackName: 'Prod-Api' });
  expect(() => findStack(dir, 'Billing')).toThrow(
    'the assembly has no stack named Billing (its stacks: Tools, Prod-Api)',
  );
});
