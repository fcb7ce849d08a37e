// A deployment as `deployctl history` and `stats` read it from visibility: every field empty but the ones a test sets.
import type { HistoryEntry } from '../../src/contract';

export function historyEntry(fields: Pick<HistoryEntry, 'correlationId' | 'workflowId'> & Partial<HistoryEntry>) {
  return {
    status: 'succeeded',
    workflowStatus: 'COMPLETED',
    ref: null,
    requestedAt: '2026-11-27T10:00:00.000Z',
    endedAt: null,
    commitTime: null,
    queuedMs: null,
    durationMs: null,
    requestedBy: null,
    verified: null,
    ciRunUrl: null,
    error: null,
    errorType: null,
    stoppedBy: null,
    freezeOverride: null,
    promotedFrom: null,
    approvedBy: null,
    rollbackOf: null,
    ...fields,
  } satisfies HistoryEntry;
}
