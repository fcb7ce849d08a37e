// Credentials in a command's output are masked before the worker logs it or quotes it in a failure.
import { MASK, secretRedactor } from '../../src/process/redact-secrets';

test('every credential value in the environment is masked wherever it appears, longest first', () => {
  const redact = secretRedactor({
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE12345',
    AWS_SECRET_ACCESS_KEY: 'wJalr/EXAMPLE+KEY',
    AWS_SESSION_TOKEN: 'token-wJalr/EXAMPLE+KEY-more',
    SLACK_BOT_TOKEN: 'xoxb-111-222',
    TEMPORAL_API_KEY: 'temporal-api-key-value',
    PATH: '/usr/bin',
  });
  expect(redact('key AKIAEXAMPLE12345 secret wJalr/EXAMPLE+KEY x')).toBe(`key ${MASK} secret ${MASK} x`);
  expect(redact('session token-wJalr/EXAMPLE+KEY-more')).toBe(`session ${MASK}`);
  expect(redact('xoxb-111-222 xoxb-111-222 temporal-api-key-value')).toBe(`${MASK} ${MASK} ${MASK}`);
  expect(redact('PATH is /usr/bin')).toBe('PATH is /usr/bin');
});

test('nothing to mask: lines pass as they are; values too short to be a credential are left alone', () => {
  expect(secretRedactor({})('AKIAEXAMPLE12345')).toBe('AKIAEXAMPLE12345');
  expect(secretRedactor({ AWS_SECRET_ACCESS_KEY: 'test' })('a test line')).toBe('a test line');
});
