// Bad input of any shape, not only the cases listed by hand: every value outside the documented shapes is refused
// with exit code 64 and a message that names it, before anything connects; every value inside them is taken as it
// is. The documented shapes are written out here again, apart from the code, as the oracle. The same for the config:
// any JSON document either parses or fails as a ConfigError that names where.
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { deploymentRequest, type RequestOptions } from '../../src/client/deployment-request';
import { ExitError, EXIT } from '../../src/client/exit-codes';
import { checkDuration } from '../../src/client/inputs';
import { ConfigError, parseConfig } from '../../src/config/deploy-config';
import { parseDuration } from '../../src/domain/durations';

/** The documented rules (docs/ci.md, "Names are checked before anything starts"). */
const DOCUMENTED = {
  env: /^[a-z0-9][a-z0-9-]{0,62}$/,
  stack: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
  correlationId: /^[A-Za-z0-9._-]{1,128}$/,
  ref: /^[^\s\p{Cc}\p{Cf}]{1,255}$/u,
} as const;

/** Strings of every kind: ASCII with controls, any Unicode, and the characters that break lines or hide text. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      '-',
      '.',
      ' ',
      '\n',
      '\r',
      '\t',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u200b',
      '\u202e',
      '$',
      '`',
    ),
    maxLength: 20,
  }),
  fc.string({ unit: fc.constantFrom('a', 'Z', '1', '-'), minLength: 60, maxLength: 300 }),
);

/** How a refusal quotes a value: JSON, with invisible formatting characters spelled out as \\uXXXX too. */
const shown = (value: string) =>
  JSON.stringify(value).replace(/\p{Cf}/gu, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
/** Nothing in a message may hide or reorder text. */
const INVISIBLE = /\p{Cf}/u;

const base: RequestOptions = { env: 'staging', priority: 'normal', correlationId: 'c-1' };

/** Runs the request's checks with no config (the worker decides environments): a throw is the CLI's refusal. */
function refusal(options: RequestOptions): ExitError | undefined {
  try {
    deploymentRequest(options);
    return undefined;
  } catch (err) {
    if (err instanceof ExitError) return err;
    throw err;
  }
}

beforeAll(() => {
  // No config file: these run from the checkout, whose deploy.config.json must not decide.
  delete process.env.DEPLOY_CONFIG;
  process.chdir(tmpdir());
});

describe.each([
  ['--env', 'env', DOCUMENTED.env],
  ['--stack', 'stack', DOCUMENTED.stack],
  ['--correlation-id', 'correlationId', DOCUMENTED.correlationId],
  ['--ref', 'ref', DOCUMENTED.ref],
] as const)('%s', (_flag, key, documented) => {
  test('a value outside the documented shape is refused with 64, naming it; one inside is taken as it is', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const err = refusal({ ...base, [key]: value });
        if (documented.test(value)) {
          expect(err).toBeUndefined();
        } else {
          expect(err?.exitCode).toBe(EXIT.usage);
          expect(err?.message).toContain(shown(value));
          expect(err?.message).not.toMatch(INVISIBLE);
        }
      }),
      { numRuns: 400 },
    );
  });
});

test('--ref: the value goes on as given, shell syntax and all', () => {
  fc.assert(
    fc.property(
      anyText.filter((value) => DOCUMENTED.ref.test(value)),
      (ref) => {
        expect(deploymentRequest({ ...base, ref }).input.ref).toBe(ref);
      },
    ),
  );
  expect(deploymentRequest({ ...base, ref: '$(touch${IFS}pwned)`id`;\'"' }).input.ref).toBe(
    '$(touch${IFS}pwned)`id`;\'"',
  );
});

test('--wait-timeout: anything but a number and a unit is refused, naming it', () => {
  fc.assert(
    fc.property(anyText, (value) => {
      const parsed = parseDuration(value);
      if (parsed !== undefined) {
        expect(checkDuration('--wait-timeout', value)).toBe(parsed);
        expect(value).toMatch(/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*$/i);
        return;
      }
      expect(() => checkDuration('--wait-timeout', value)).toThrow(shown(value));
    }),
    { numRuns: 400 },
  );
});

describe('the config', () => {
  const valid = () => ({
    environments: {
      staging: { stackName: 'Api', deploy: { type: 'command', command: ['./deploy.sh'] } },
    },
  });

  test('any JSON document parses or fails as a ConfigError, never with another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (document) => {
        try {
          parseConfig(document);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message).toMatch(/^config: \S/);
        }
      }),
      { numRuns: 500 },
    );
  });

  const FIELDS = [
    ['environments', 'staging', 'stackName'],
    ['environments', 'staging', 'lockWaitTimeout'],
    ['environments', 'staging', 'queueMode'],
    ['environments', 'staging', 'deploy', 'command'],
    ['environments', 'staging', 'deploy', 'killGracePeriod'],
    ['environments', 'staging', 'deploy', 'type'],
    ['environments', 'staging', 'cloudformation'],
    ['environments', 'staging', 'slack'],
    ['slack', 'notifyTimeout'],
  ] as const;

  test('one field set to anything: either still valid, or refused naming that field (or the part around it)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.jsonValue(), (path, value) => {
        const document: Record<string, unknown> = valid();
        let at: Record<string, unknown> = document;
        for (const key of path.slice(0, -1)) {
          at[key] ??= {};
          at = at[key] as Record<string, unknown>;
        }
        at[path.at(-1)!] = value;
        try {
          parseConfig(document);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          const named = /^config: ([^:]+):/.exec((err as Error).message)?.[1] ?? '';
          const field = path.join('.');
          // The field itself, a key inside it, or the object holding it (a union or a missing key reported there).
          expect(field.startsWith(named) || named.startsWith(field)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
