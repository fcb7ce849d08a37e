// Where a deployment shows on GitHub: the repository that asked, at the commit it deploys, in the environment's GitHub
// environment. Pure: workflow code decides with it once the request is admitted.
import type { DeploymentInput, EnvironmentSettings, GitHubTarget, VerifiedClaims } from '../contract';
import { present } from './present';

/**
 * The GitHub deployment a request gets, or why it gets none: the worker does not report to GitHub (no credentials),
 * the request names no repository, or no commit, or its verified ID token was issued to another repository (a CI
 * run may show deployments only in its own).
 */
export function githubTarget(
  input: DeploymentInput,
  settings: EnvironmentSettings,
  claims: VerifiedClaims | undefined,
): { target: GitHubTarget } | { none: string } {
  const repository = input.github?.repository;
  if (!settings.github || repository === undefined) return { none: 'not asked' };
  const ref = input.ref ?? input.github?.sha;
  if (ref === undefined) return { none: 'the request names no ref or commit' };
  if (claims?.repository !== undefined && claims.repository.toLowerCase() !== repository.toLowerCase()) {
    return { none: `the request's ID token is of ${claims.repository}, not ${repository}` };
  }
  const { environment, transient, environmentUrlOutput } = settings.github;
  return { target: { repository, ref, environment, transient, ...present({ environmentUrlOutput }) } };
}
