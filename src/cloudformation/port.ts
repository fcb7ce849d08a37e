// The narrow CloudFormation interface the deployer needs. The AWS SDK implements it; tests also drive a scripted
// implementation for what a local AWS cannot do (long updates, stalls, rollbacks), and both pass the same contract.
import type { StackEvent } from '../contract/stack';

export type { StackEvent };

export interface StackDescription {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
}

export interface ChangeSetDescription {
  id: string;
  status: string;
  statusReason?: string;
  executionStatus?: string;
  changes: number;
}

export interface CreateChangeSetInput {
  stackName: string;
  changeSetName: string;
  changeSetType: 'CREATE' | 'UPDATE';
  templateBody?: string;
  templateUrl?: string;
  parameters?: Record<string, string>;
  capabilities?: string[];
}

export interface CloudFormationPort {
  /** Undefined when the stack does not exist (or is deleted). */
  describeStack(stackName: string): Promise<StackDescription | undefined>;
  /** The id of the stack's newest event: where a deployment starts watching. Undefined for no stack or no events. */
  newestStackEventId(stackName: string): Promise<string | undefined>;
  /** Events newer than `sinceEventId`, oldest first; all of them when it is undefined. */
  newStackEvents(stackName: string, sinceEventId?: string): Promise<StackEvent[]>;
  createChangeSet(input: CreateChangeSetInput): Promise<{ id: string }>;
  /** Undefined when there is no such change set. */
  describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSetDescription | undefined>;
  executeChangeSet(stackName: string, changeSetName: string, clientRequestToken: string): Promise<void>;
  deleteChangeSet(stackName: string, changeSetName: string): Promise<void>;
  cancelUpdateStack(stackName: string, clientRequestToken?: string): Promise<void>;
  continueUpdateRollback(stackName: string, clientRequestToken?: string): Promise<void>;
}
