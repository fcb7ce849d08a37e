// Which deployment a rollback repeats, from those that succeeded in the environment (deployctl rollback).
import { rollbackTarget } from '../../src/domain/rollback-target';

interface Succeeded {
  correlationId: string;
  ref?: string;
  closedAt?: number;
  stackName: string;
}

const succeeded = (correlationId: string, ref: string | undefined, closedAt: number): Succeeded => ({
  correlationId,
  ...(ref === undefined ? {} : { ref }),
  closedAt,
  stackName: 'Api',
});

// Listed out of order on purpose: visibility's order is not relied on.
const history = [
  succeeded('deploy-2', 'v2', 2_000),
  succeeded('deploy-4', 'v3', 4_000),
  succeeded('deploy-1', 'v1', 1_000),
  succeeded('deploy-5', 'v3', 5_000),
  succeeded('deploy-3', 'v2', 3_000),
];

describe('by default: the newest earlier deployment of another ref than the current one', () => {
  test('redeploys of the current ref are skipped; the record itself comes back', () => {
    // deploy-5 is current (v3); deploy-4 deployed v3 as well; deploy-3 is the newest of another ref.
    const target = rollbackTarget(history, 'staging', {});
    expect(target).toBe(history[4]);
    expect(target).toEqual({ correlationId: 'deploy-3', ref: 'v2', closedAt: 3_000, stackName: 'Api' });
  });

  test('without refs to compare, the one before the current one', () => {
    const noRefs = [succeeded('deploy-1', undefined, 1_000), succeeded('deploy-2', undefined, 2_000)];
    expect(rollbackTarget(noRefs, 'staging', {})).toBe(noRefs[0]);
    const currentWithout = [succeeded('deploy-1', 'v1', 1_000), succeeded('deploy-2', undefined, 2_000)];
    expect(rollbackTarget(currentWithout, 'staging', {})).toBe(currentWithout[0]);
    const earlierWithout = [succeeded('deploy-1', undefined, 1_000), succeeded('deploy-2', 'v1', 2_000)];
    expect(rollbackTarget(earlierWithout, 'staging', {})).toBe(earlierWithout[0]);
  });

  test('nothing has succeeded: says so', () => {
    expect(rollbackTarget([], 'staging', {})).toBe('no deployment has succeeded in staging: nothing to roll back to');
  });

  test('only the current one, or only redeploys of its ref: says which is current', () => {
    expect(rollbackTarget([succeeded('deploy-1', 'v1', 1_000)], 'staging', {})).toBe(
      'only deploy-1 has succeeded in staging: nothing earlier to roll back to',
    );
    const sameRef = [succeeded('deploy-1', 'v1', 1_000), succeeded('deploy-2', 'v1', 2_000)];
    expect(rollbackTarget(sameRef, 'staging', {})).toBe(
      'only deploy-2 has succeeded in staging: nothing earlier to roll back to',
    );
  });
});

describe('--to', () => {
  test('the deployment named, whatever its ref', () => {
    expect(rollbackTarget(history, 'staging', { to: 'deploy-1' })).toBe(history[2]);
    expect(rollbackTarget(history, 'staging', { to: 'deploy-4' })).toBe(history[1]);
  });

  test('one that did not succeed here: says so', () => {
    expect(rollbackTarget(history, 'staging', { to: 'deploy-9' })).toBe(
      'deploy-9 is not a deployment that succeeded in staging',
    );
    expect(rollbackTarget([], 'production', { to: 'deploy-1' })).toBe(
      'deploy-1 is not a deployment that succeeded in production',
    );
  });
});

describe('--ref', () => {
  test('the newest deployment of that ref', () => {
    expect(rollbackTarget(history, 'staging', { ref: 'v2' })).toBe(history[4]);
    expect(rollbackTarget(history, 'staging', { ref: 'v1' })).toBe(history[2]);
  });

  test('a ref that has not succeeded here: says so', () => {
    expect(rollbackTarget(history, 'staging', { ref: 'v9' })).toBe('v9 has not succeeded in staging');
  });
});
