// The worker's V8 heap limit, given on the command line that starts it (Dockerfile, scripts/start.sh; the tests and
// the benchmarks start it the same way): it can only be set before the process starts.

/**
 * Node's flags for the worker process. Below 2 GiB, V8 lets the heap grow to at most 1.6 times what survived its last
 * collection instead of 4 times, in both the main thread and the workflow thread: at 1000 environments at once the
 * worker's peak RSS falls by about 100 MiB for about 7% more CPU (docs/operating.md, "Sizing a worker"). A worker
 * holds far less than 1 GiB: 500 cached workflows are about 30 MB.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
