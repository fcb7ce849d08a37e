// Names CloudFormation accepts, made from a correlation ID (letters, digits, ".", "_", "-"). Pure: workflow code
// uses them. Change set names and client request tokens allow letters, digits and "-" only, at most 128 characters.

const MAX = 128;

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '-');
}

/** A ClientRequestToken for one operation of this deployment; the same deployment always gets the same token. */
export function requestToken(correlationId: string, operation?: string): string {
  const suffix = operation ? `-${operation}` : '';
  const base = safe(correlationId).slice(0, MAX - suffix.length - 1);
  // Tokens must start with a letter or digit.
  return /^[A-Za-z0-9]/.test(base) ? `${base}${suffix}` : `d${base}${suffix}`.slice(0, MAX);
}

/** The change set a deployment prepares and executes: named after its correlation ID. */
export function changeSetName(correlationId: string): string {
  return `deploy-${safe(correlationId)}`.slice(0, MAX);
}
