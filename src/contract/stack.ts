// A CloudFormation stack as a deployment watches it: the events it reads and the progress it keeps in history.

export interface StackEvent {
  eventId: string;
  /** Epoch milliseconds. */
  timestamp: number;
  logicalResourceId: string;
  resourceType: string;
  resourceStatus: string;
  reason?: string;
  /** Set by AWS on every event of an operation started with a ClientRequestToken. */
  clientRequestToken?: string;
}

export interface StackProgress {
  status: string;
  /** Latest status of each resource seen during this deployment. */
  resources: Record<string, string>;
  done: number;
  inFlight: number;
  failed: number;
  lastEvent?: { at: number; resource: string; status: string; reason?: string };
  firstFailure?: { resource: string; status: string; reason: string };
  lastEventId?: string;
}
