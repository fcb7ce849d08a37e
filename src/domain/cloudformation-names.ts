// Names CloudFormation accepts, made from a correlation ID (letters, digits, ".", "_", "-"). Pure: workflow code
// uses them. Change set names and client request tokens allow letters, digits and "-" only, at most 128 characters.
// Distinct correlation IDs must give distinct names: where characters are replaced or cut, a hash of the whole ID
// is added.

const MAX = 128;

/** FNV-1a, 32 bits, as 8 hex digits: deterministic and dependency-free (workflow code calls this). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** `prefix` + the correlation ID made safe + `suffix`, within `MAX` characters and distinct per correlation ID. */
function name(prefix: string, correlationId: string, suffix: string): string {
  const safe = correlationId.replace(/[^A-Za-z0-9-]/g, '-');
  if (safe === correlationId && prefix.length + safe.length + suffix.length <= MAX) {
    return `${prefix}${safe}${suffix}`;
  }
  const tag = `-${hash(correlationId)}`;
  return `${prefix}${safe.slice(0, MAX - prefix.length - tag.length - suffix.length)}${tag}${suffix}`;
}

/** A ClientRequestToken for one operation of this deployment; the same deployment always gets the same token. */
export function requestToken(correlationId: string, operation?: string): string {
  // Tokens must start with a letter or digit.
  return name(/^[A-Za-z0-9]/.test(correlationId) ? '' : 'd', correlationId, operation ? `-${operation}` : '');
}

/** The change set a deployment prepares and executes: named after its correlation ID. */
export function changeSetName(correlationId: string): string {
  return name('deploy-', correlationId, '');
}
