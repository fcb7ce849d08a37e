// A spent ID token's record: its workflow ID is the token's digest, taken once (identity/spent-tokens.ts). It does
// nothing; that it exists is the record.

/** Records that an ID token was spent (by the deployment its memo names). */
export async function idTokenSpent(): Promise<void> {
  return undefined;
}
