// How the worker process is started: Node's flags and the environment it needs before it starts (Dockerfile,
// scripts/start.sh; the tests and the benchmarks start it the same way). Neither can be set from inside the process.

/**
 * Node's flags for the worker process. Below 2 GiB, V8 lets the heap grow to at most 1.6 times what survived its last
 * collection instead of 4 times, in both the main thread and the workflow thread: at 1000 environments at once the
 * worker's peak RSS falls by about 100 MiB for about 7% more CPU (docs/operating.md, "Sizing a worker"). A worker
 * holds far less than 1 GiB: 500 cached workflows are about 30 MB.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];

/**
 * The worker's environment, unless set otherwise. glibc's malloc gives each thread that allocates at once an arena of
 * its own, up to 8 for each CPU, and keeps what each has grown: the worker's threads (the SDK's core, V8's and libuv's)
 * spread its native memory over many. Two arenas took 10–35 MiB off its peak RSS for the same CPU (docs/operating.md,
 * "Sizing a worker"). The deploy commands inherit it, as they inherit the rest of the worker's environment.
 */
export const WORKER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
