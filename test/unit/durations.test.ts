// Durations as config and people write them ("30s", "1.5m") and as the queue and Slack show them ("2m 30s").
import { formatDuration, parseDuration } from '../../src/domain/durations';

test.each([
  ['250ms', 250],
  ['30s', 30_000],
  ['10m', 600_000],
  ['1.5m', 90_000],
  ['1h', 3_600_000],
  ['2d', 172_800_000],
  [' 10m ', 600_000],
  ['\t45s\n', 45_000],
  ['10 m', 600_000],
])('%j is %d ms', (text, milliseconds) => {
  expect(parseDuration(text)).toBe(milliseconds);
});

test.each(['30', '0s', '0m', '', '   ', '-5s', 's', '1.5', '10 minutes', '1w', '10M', 'ten minutes', '5s5'])(
  '%j is not a duration',
  (text) => {
    expect(parseDuration(text)).toBeUndefined();
  },
);

test.each([
  [0, '0ms'],
  [450, '450ms'],
  [999, '999ms'],
  [1_000, '1s'],
  [12_000, '12s'],
  [12_400, '12s'],
  [59_600, '1m'],
  [120_000, '2m'],
  [150_000, '2m 30s'],
  [3_600_000, '1h'],
  [4_500_000, '1h 15m'],
  [4_530_000, '1h 15m'],
  [90_000_000, '25h'],
  [1_209_600_000, '14d'],
  [1_436_400_000, '16d 15h'],
  [-1, '0ms'],
  [-60_000, '0ms'],
])('%d ms reads %s', (milliseconds, text) => {
  expect(formatDuration(milliseconds)).toBe(text);
});
