// Threads that run at once, and a barrier between them, for work split so finely that its parts
// must meet every step (a recurrent layer's units shared by threads). Unlike a thread pool's
// iterations, the parts are guaranteed to run concurrently, so waiting for each other is safe.
#ifndef SIBYL_THREADS_H
#define SIBYL_THREADS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Runs `body(context, part)` for part 0 … parts − 1, each on its own thread (part 0 on the
/// caller's), and returns when all have returned: 0. The threads are kept parked between runs:
/// they spin for 0.2 ms after a part, then sleep (at once after a run of more parts than
/// processors). When they are in use (by a part of another run, or another caller's run) or more
/// are asked for than are kept (63), threads are started for the run and joined after it. When a
/// thread cannot be started, no part runs and it returns −1.
int sibyl_run_threads(size_t parts, void (*body)(void *context, size_t part), void *context);

/// As `sibyl_run_threads` on the parked threads only: −1, with no part run, when they are in use or
/// cannot be had.
int sibyl_run_parked(size_t parts, void (*body)(void *context, size_t part), void *context);

/// The processors this process may run on, at least 1: on Linux its affinity mask, or fewer where
/// a cgroup's CPU quota (a container's `--cpus`) allows fewer, rounded up. Found on the first call.
size_t sibyl_processor_count(void);

/// The CPUs that the cgroup CPU quotas of a process allow, rounded up, or 0 when none applies:
/// `mountinfo` is the text of its /proc/self/mountinfo (where each cgroup hierarchy is mounted, and
/// from which of its folders), `membership` that of its /proc/self/cgroup (its folder in each).
/// The tightest quota in its folder and those above it, up to the mount, counts: cgroup v2's
/// cpu.max, v1's cpu.cfs_quota_us over cpu.cfs_period_us. Missing files count as none.
size_t sibyl_cgroup_cpu_limit(const char *mountinfo, const char *membership);

/// The memory limit of a cgroup's memory controller for the process, in bytes, or 0 when none
/// applies: the tightest of v2's memory.max or v1's memory.limit_in_bytes in its folder and those
/// above it, up to the mount (`mountinfo` and `membership` as for sibyl_cgroup_cpu_limit).
size_t sibyl_cgroup_memory_limit(const char *mountinfo, const char *membership);

/// The bytes this process may allocate at most, or 0 when nothing limits it but the machine: the
/// tighter of its cgroup's memory limit (a container's `--memory`) and its address-space limit
/// (`ulimit -v`). Read anew on each call.
size_t sibyl_memory_limit(void);

/// A reusable barrier for `parties` threads: each `sibyl_barrier_wait` returns once all parties
/// have called it, and what each wrote before its call is visible to all after theirs. It spins a
/// while, then yields the processor between checks (at once, with more parties than processors).
typedef struct sibyl_barrier sibyl_barrier;

/// A barrier for `parties` threads, or NULL when out of memory.
sibyl_barrier *sibyl_barrier_create(size_t parties);
void sibyl_barrier_wait(sibyl_barrier *barrier);
void sibyl_barrier_destroy(sibyl_barrier *barrier);

/// Flushes the C standard output stream (where Swift's `print` writes) and returns 0 when all
/// that was written to it arrived, or the error number of the write that failed (a full disk, a
/// closed descriptor). For the tool's exit: Swift cannot name `stdout` under strict concurrency.
int sibyl_flush_standard_output(void);

#ifdef __cplusplus
}
#endif

#endif
