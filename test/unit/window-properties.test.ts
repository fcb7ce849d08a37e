// Windows in the config, fuzzed: every bad cron, time zone, time or duration is refused naming its field, and every
// good one gives an environment that opens.
import fc from 'fast-check';
import { ConfigError, parseConfig } from '../../src/config/deploy-config';
import { cronProblem } from '../../src/domain/calendar';

const base = { stackName: 'Api', deploy: { type: 'command', command: ['true'] } };
const parse = (window: Record<string, unknown>, field = 'freeze') =>
  parseConfig({ environments: { production: { ...base, [field]: [window] } } });
const good = { cron: '0 18 * * 5', duration: '63h', timezone: 'Europe/Berlin', reason: 'weekend' };

function refusal(window: Record<string, unknown>, field = 'freeze'): string {
  try {
    parse(window, field);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(window)}`);
}

test('a good recurring window and a good one-off window are taken', () => {
  expect(parse(good).environments.production?.calendar?.freeze).toHaveLength(1);
  const once = { from: '2026-12-24T00:00:00+01:00', until: '2027-01-02T00:00:00Z', reason: 'holidays' };
  expect(parse(once).environments.production?.calendar?.freeze[0]).toMatchObject({ from: Date.parse(once.from) });
});

test('bad cron expressions are refused naming the cron field', () => {
  const badCron = fc.oneof(
    fc.constantFrom('', '* * *', '61 * * * *', '* 25 * * *', '* * 32 * *', '* * * 13 *', 'every day', '0 9 30 2 *'),
    fc.string({ maxLength: 12 }).filter((text) => cronProblem(text, 'UTC') !== undefined),
  );
  fc.assert(
    fc.property(badCron, (cron) => {
      expect(refusal({ ...good, cron })).toMatch(/^config: environments\.production\.freeze\.0\.cron: /);
    }),
    { numRuns: 200 },
  );
});

test('unknown time zones are refused naming the timezone field', () => {
  const known = new Set(Intl.supportedValuesOf('timeZone'));
  const badZone = fc
    .oneof(fc.constantFrom('CEST', 'Europe/Atlantis', 'UTC+1', 'Mars/Base', ''), fc.string({ maxLength: 16 }))
    .filter((zone) => !known.has(zone) && zone !== 'UTC' && cronProblem('* * * * *', zone) !== undefined);
  fc.assert(
    fc.property(badZone, (timezone) => {
      expect(refusal({ ...good, timezone })).toMatch(/^config: environments\.production\.freeze\.0\.timezone: /);
    }),
    { numRuns: 200 },
  );
});

test('times without an offset, or not times at all, are refused naming the field', () => {
  const badTime = fc.oneof(
    fc.constantFrom('2026-12-24', '2026-12-24T00:00:00', '24.12.2026', 'tomorrow', '2026-13-01T00:00:00Z'),
    fc.string({ maxLength: 20 }).filter((text) => !/Z|[+-]\d\d:\d\d$/.test(text)),
  );
  const field = fc.constantFrom('from', 'until');
  fc.assert(
    fc.property(badTime, field, (time, which) => {
      const window = { from: '2026-12-24T00:00:00Z', until: '2027-01-02T00:00:00Z', reason: 'x', [which]: time };
      expect(refusal(window)).toMatch(new RegExp(`^config: environments\\.production\\.freeze\\.0\\.${which}: `));
    }),
    { numRuns: 200 },
  );
});

test('bad durations, missing parts and never-opening windows are refused naming where', () => {
  fc.assert(
    fc.property(fc.constantFrom('0s', '-1h', '1 week', '', '10'), (duration) => {
      expect(refusal({ ...good, duration })).toMatch(/freeze\.0\.duration: /);
    }),
  );
  expect(refusal({ cron: '0 * * * *', timezone: 'UTC', reason: 'x' })).toMatch(
    /freeze\.0\.duration: .*needs a duration/,
  );
  expect(refusal({ ...good, reason: undefined })).toMatch(/freeze\.0\.reason: /);
  expect(refusal({ ...good, from: '2026-12-24T00:00:00Z' })).toMatch(/freeze\.0\.from: give either/);
  expect(refusal({ from: '2027-01-02T00:00:00Z', until: '2026-12-24T00:00:00Z', reason: 'x' })).toMatch(
    /freeze\.0\.until: must be after from/,
  );
  expect(refusal({ ...good, cron: '0 * * * *', duration: '61m' })).toMatch(/environments\.production: never opens/);
  expect(refusal({ cron: '0 9 30 2 *', duration: '1h', timezone: 'UTC' }, 'deployWindows')).toMatch(
    /deployWindows\.0\.cron: "0 9 30 2 \*" never fires/,
  );
});
