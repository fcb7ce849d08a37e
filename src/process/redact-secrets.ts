// A deploy command's output reaches the worker log, and its last line a failure message in the history (or, from
// deployctl run, the deployment's history): a command that prints a credential (`set -x`, a debug flag) must not
// carry it there. The values of the credentials in the environment are masked wherever they appear.

/** The variables whose values are credentials: AWS, Slack, Temporal. */
export const SECRET_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'SLACK_BOT_TOKEN',
  'TEMPORAL_API_KEY',
] as const;

/** What a masked value reads as. */
export const MASK = '***';

/** Values this short would mask ordinary words: no credential is. */
const SHORTEST_SECRET = 8;

/** Masks, in a line of output, every credential value the environment holds. */
export function secretRedactor(
  env: NodeJS.ProcessEnv = process.env,
  more: () => string[] = () => [],
): (line: string) => string {
  const fixed = maskable(SECRET_VARIABLES.map((name) => env[name]?.trim()));
  return (line) => {
    const extra = more();
    const secrets = extra.length === 0 ? fixed : maskable([...fixed, ...extra]);
    return secrets.reduce((masked, secret) => masked.split(secret).join(MASK), line);
  };
}

/** The values worth masking, longest first, so that a value containing another is masked whole. */
function maskable(values: Array<string | undefined>): string[] {
  return values
    .filter((value): value is string => value !== undefined && value.length >= SHORTEST_SECRET)
    .sort((a, b) => b.length - a.length);
}
