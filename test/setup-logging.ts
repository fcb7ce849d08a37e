import { DefaultLogger, Runtime } from '@temporalio/worker';

// Tests print only the SDK's warnings and errors; the worker's info lines would bury the test output.
Runtime.install({ logger: new DefaultLogger('WARN') });
