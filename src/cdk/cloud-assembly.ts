// Reads a synthesized cloud assembly (cdk.out) to find the stack an environment deploys.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ManifestArtifact {
  type: string;
  displayName?: string;
  properties?: { stackName?: string; directoryName?: string };
}

export interface AssemblyStack {
  /** How the CDK CLI selects the stack: its path in the app (e.g. "Prod/Api"). */
  selector: string;
  stackName: string;
}

function readManifest(dir: string): Record<string, ManifestArtifact> {
  const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  return (JSON.parse(text) as { artifacts?: Record<string, ManifestArtifact> }).artifacts ?? {};
}

/** Every stack in the assembly, stages (nested assemblies) included. */
export function assemblyStacks(dir: string): AssemblyStack[] {
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(readManifest(dir))) {
    if (artifact.type === 'aws:cloudformation:stack') {
      stacks.push({ selector: artifact.displayName ?? id, stackName: artifact.properties?.stackName ?? id });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...assemblyStacks(join(dir, artifact.properties.directoryName)));
    }
  }
  return stacks;
}

export function isCloudAssembly(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
}

/** The assembly's stack deployed as `stackName`; throws naming the stacks it has when there is none. */
export function findStack(dir: string, stackName: string): AssemblyStack {
  const stacks = assemblyStacks(dir);
  const found = stacks.find((stack) => stack.stackName === stackName);
  if (found) return found;
  const names = stacks.map((stack) => stack.stackName).join(', ') || 'none';
  throw new Error(`the assembly has no stack named ${stackName} (its stacks: ${names})`);
}
