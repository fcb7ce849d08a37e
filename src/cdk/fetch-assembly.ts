// Brings a cloud assembly CI uploaded to S3 (e.g. `aws s3 sync cdk.out s3://bucket/builds/<sha>/`) onto the worker.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { AssemblyLocation } from '../domain/assembly-location';
import type { AwsCredentialIdentity } from '../identity/aws-roles';

export interface S3Target {
  region?: string;
  endpoint?: string;
  /** The environment role's credentials, where it has one; else the worker's own (the SDK's default chain). */
  credentials?: () => Promise<AwsCredentialIdentity>;
}

/**
 * Downloads every object under `prefix` into `into`; returns how many files it wrote. `onFile` is called after each
 * file (the activity heartbeats there: a large assembly takes a while).
 */
export async function downloadAssembly(
  { bucket, prefix }: { bucket: string; prefix: string },
  into: string,
  target: S3Target,
  onFile: () => void = () => undefined,
): Promise<number> {
  const client = new S3Client({
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    // Local S3 endpoints (and some proxies) have no per-bucket host names.
    forcePathStyle: Boolean(target.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
  });
  await mkdir(into, { recursive: true });
  let files = 0;
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        const file = resolve(into, object.Key.slice(prefix.length));
        // A key must not write outside the assembly directory.
        if (relative(into, file).startsWith('..')) throw new Error(`refusing S3 key ${object.Key}`);
        await mkdir(dirname(file), { recursive: true });
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        await pipeline(answer.Body as Readable, createWriteStream(file));
        files += 1;
        onFile();
      }
    }
  } finally {
    client.destroy();
  }
  return files;
}

export interface AssemblyOnDisk {
  dir: string;
  /** Files downloaded (0 for a directory the worker reads in place). */
  files: number;
  cleanup(): Promise<void>;
}

/** The assembly as a directory: a path as it is, an S3 prefix downloaded into a temporary directory. */
export async function assemblyOnDisk(
  location: AssemblyLocation,
  target: S3Target,
  onFile?: () => void,
): Promise<AssemblyOnDisk> {
  if (location.kind === 'path') return { dir: location.path, files: 0, cleanup: async () => undefined };
  const work = await mkdtemp(join(tmpdir(), 'cdk-assembly-'));
  const cleanup = () => rm(work, { recursive: true, force: true });
  const dir = join(work, 'cdk.out');
  try {
    return { dir, files: await downloadAssembly(location, dir, target, onFile), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
