// Where CI left the cloud assembly it synthesized: a directory the worker can read, or an S3 prefix.
// Pure: the CLI and workflow code both check a location with it.

import { quoted } from '../contract/names';

export type AssemblyLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'path'; path: string };

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/** Parses `s3://bucket/prefix` or an absolute path; undefined for anything else. */
export function parseAssemblyLocation(text: string): AssemblyLocation | undefined {
  const s3 = S3_URI.exec(text);
  if (s3) {
    const [, bucket = '', rest = ''] = s3;
    const prefix = rest === '' || rest.endsWith('/') ? rest : `${rest}/`;
    return { kind: 's3', bucket, prefix };
  }
  if (text.startsWith('/') && !text.includes('\0')) return { kind: 'path', path: text };
  return undefined;
}

/** Why `text` is not an assembly location, or undefined when it is one. */
export function assemblyProblem(text: string): string | undefined {
  if (parseAssemblyLocation(text) !== undefined) return undefined;
  return (
    `invalid assembly ${quoted(text)}: ` +
    'give the cdk synth output directory or an S3 prefix holding it (s3://bucket/path/)'
  );
}
