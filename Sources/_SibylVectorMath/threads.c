// Threads that run a split's parts at once, kept parked between runs, and a spinning barrier
// (see sibyl_threads.h).
#define _GNU_SOURCE
#include "sibyl_threads.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// sibyl_processor_count, read once (a system call).
static size_t processors(void) {
    static _Atomic size_t count;
    size_t known = atomic_load_explicit(&count, memory_order_relaxed);
    if (!known) {
        known = sibyl_processor_count();
        atomic_store_explicit(&count, known, memory_order_relaxed);
    }
    return known;
}

// One step of waiting for another thread: a pause for the first `spins` checks, then a yield to a
// thread that may have been descheduled (a busy machine, more threads than cores).
static inline void back_off(unsigned checks, unsigned spins) {
    if (checks < spins) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

struct sibyl_barrier {
    _Atomic size_t arrived;
    _Atomic size_t generation;
    size_t parties;
    unsigned spins;  // pauses before a waiting party yields
};

sibyl_barrier *sibyl_barrier_create(size_t parties) {
    sibyl_barrier *barrier = calloc(1, sizeof *barrier);
    if (barrier) {
        barrier->parties = parties;
        // With more parties than processors, some are always descheduled: a spinning one would
        // hold a processor the last to arrive is waiting for (four parts of a recurrent layer's
        // steps on two processors ran 13–27 times faster yielding at once).
        barrier->spins = parties <= processors() ? 1u << 14 : 0;
    }
    return barrier;
}

void sibyl_barrier_destroy(sibyl_barrier *barrier) { free(barrier); }

void sibyl_barrier_wait(sibyl_barrier *barrier) {
    const size_t generation = atomic_load_explicit(&barrier->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&barrier->arrived, 1, memory_order_acq_rel) + 1 == barrier->parties) {
        // The last to arrive resets the count before it releases the others, so a party that
        // runs ahead to the next wait counts from zero.
        atomic_store_explicit(&barrier->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&barrier->generation, 1, memory_order_release);
        return;
    }
    // Steps take microseconds or more: spin through the wait for a part that is running.
    for (unsigned checks = 0; atomic_load_explicit(&barrier->generation, memory_order_acquire) == generation; checks++)
        back_off(checks, barrier->spins);
}

// The parts of a run after the first go to parked threads, started on first use and kept: on a
// virtual machine starting and joining a thread took 90-200 µs and waking a sleeping one 17-90
// µs, where a step of a recurrent layer split between threads can take 2 µs. A parked thread
// spins a while after its last part (a layer's next pass, the next layer, the backward pass come
// within microseconds of each other), then sleeps until a caller wakes it.
enum { POOL_SIZE = 63 };
// How long a parked thread spins before it sleeps, in nanoseconds: 0.2 ms, or none after a run of
// more parts than processors, where a spinning thread would hold a processor that a part needs.
static const long long spin_before_sleep_ns = 200000;
static _Atomic long long spin_ns;

struct worker {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleeping;                 // under lock
    _Atomic unsigned long posted; // the ticket of the last part given to it
    _Atomic unsigned long done;   // the ticket of the last part it finished
    void (*body)(void *, size_t); // the part: written before `posted`
    void *context;
    size_t part;
};

static struct worker pool[POOL_SIZE];
static size_t pool_started;                                      // under pool_lock
static unsigned long pool_ticket;                                // under pool_lock
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;    // held for a whole run

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *park(void *argument) {
    struct worker *worker = argument;
    unsigned long seen = 0;
    for (;;) {
        unsigned long ticket = atomic_load_explicit(&worker->posted, memory_order_acquire);
        if (ticket == seen) {
            const long long until = now_ns() + atomic_load_explicit(&spin_ns, memory_order_relaxed);
            for (unsigned checks = 1; (ticket = atomic_load_explicit(&worker->posted, memory_order_acquire)) == seen; checks++) {
                back_off(0, 1);
                if (checks % 64 == 0 && now_ns() > until) break;
            }
        }
        if (ticket == seen) {
            pthread_mutex_lock(&worker->lock);
            worker->sleeping = 1;
            while ((ticket = atomic_load_explicit(&worker->posted, memory_order_acquire)) == seen)
                pthread_cond_wait(&worker->wake, &worker->lock);
            worker->sleeping = 0;
            pthread_mutex_unlock(&worker->lock);
        }
        seen = ticket;
        worker->body(worker->context, worker->part);
        atomic_store_explicit(&worker->done, ticket, memory_order_release);
    }
    return NULL;
}

// Starts parked threads until there are `count`; false when one could not be started.
static int pool_grow(size_t count) {
    for (; pool_started < count; pool_started++) {
        struct worker *worker = &pool[pool_started];
        pthread_attr_t attributes;
        if (pthread_attr_init(&attributes) != 0) return 0;
        pthread_mutex_init(&worker->lock, NULL);
        pthread_cond_init(&worker->wake, NULL);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        const int failed = pthread_create(&thread, &attributes, park, worker);
        pthread_attr_destroy(&attributes);
        if (failed) {
            pthread_cond_destroy(&worker->wake);
            pthread_mutex_destroy(&worker->lock);
            return 0;
        }
    }
    return 1;
}

// The parts on the parked threads, one run at a time (see sibyl_threads.h).
int sibyl_run_parked(size_t parts, void (*body)(void *, size_t), void *context) {
    if (parts == 0) return 0;
    if (parts == 1) {
        body(context, 0);
        return 0;
    }
    if (parts - 1 > POOL_SIZE || pthread_mutex_trylock(&pool_lock) != 0) return -1;
    if (!pool_grow(parts - 1)) {
        pthread_mutex_unlock(&pool_lock);
        return -1;
    }
    atomic_store_explicit(&spin_ns, parts <= processors() ? spin_before_sleep_ns : 0, memory_order_relaxed);
    const unsigned long ticket = ++pool_ticket;
    for (size_t i = 0; i < parts - 1; i++) {
        struct worker *worker = &pool[i];
        worker->body = body;
        worker->context = context;
        worker->part = i + 1;
        atomic_store_explicit(&worker->posted, ticket, memory_order_release);
        // A worker checks `posted` under its lock before it sleeps: either it sees the ticket, or
        // it is asleep by the time this lock is taken and the signal wakes it.
        pthread_mutex_lock(&worker->lock);
        if (worker->sleeping) pthread_cond_signal(&worker->wake);
        pthread_mutex_unlock(&worker->lock);
    }
    body(context, 0);
    for (size_t i = 0; i < parts - 1; i++) {
        for (unsigned checks = 0; atomic_load_explicit(&pool[i].done, memory_order_acquire) != ticket; checks++)
            back_off(checks, 1u << 14);
    }
    pthread_mutex_unlock(&pool_lock);
    return 0;
}

struct run {
    void (*body)(void *, size_t);
    void *context;
    _Atomic int gate;  // 0 until every thread started, then 1 (run) or −1 (return at once)
};

struct start {
    struct run *run;
    size_t part;
};

static void *start_part(void *argument) {
    const struct start *start = argument;
    int gate;
    while ((gate = atomic_load_explicit(&start->run->gate, memory_order_acquire)) == 0) sched_yield();
    if (gate > 0) start->run->body(start->run->context, start->part);
    return NULL;
}

// Runs the parts on threads started for this run and joined after it.
static int run_started(size_t parts, void (*body)(void *, size_t), void *context) {
    pthread_t *threads = malloc((parts - 1) * sizeof *threads);
    struct start *starts = malloc((parts - 1) * sizeof *starts);
    struct run run = {body, context, 0};
    size_t started = 0;
    if (threads && starts) {
        for (; started < parts - 1; started++) {
            starts[started] = (struct start){&run, started + 1};
            if (pthread_create(&threads[started], NULL, start_part, &starts[started]) != 0) break;
        }
    }
    // Parts that wait for each other must all run, or none: a missing one would leave the rest
    // waiting at the barrier for ever.
    const int all = threads && starts && started == parts - 1;
    atomic_store_explicit(&run.gate, all ? 1 : -1, memory_order_release);
    if (all) body(context, 0);
    for (size_t i = 0; i < started; i++) pthread_join(threads[i], NULL);
    free(threads);
    free(starts);
    return all ? 0 : -1;
}

int sibyl_run_threads(size_t parts, void (*body)(void *context, size_t part), void *context) {
    // The parked threads also run 0 and 1 parts (on the caller's thread).
    if (sibyl_run_parked(parts, body, context) == 0) return 0;
    return run_started(parts, body, context);
}

// The first number in the file at `path`, as a double (NAN when the file is missing or holds no
// number: "max" included).
static double read_number(const char *path, double *second) {
    FILE *file = fopen(path, "r");
    if (!file) return NAN;
    double first = NAN, next = NAN;
    if (fscanf(file, "%lf", &first) == 1 && second && fscanf(file, "%lf", &next) == 1) *second = next;
    fclose(file);
    return first;
}

// The smaller of `limit` (0: none) and the CPUs that `quota` microseconds per `period` allow, rounded up.
static size_t tighter(size_t limit, double quota, double period) {
    if (!(quota > 0) || !(period > 0)) return limit;
    const double cpus = ceil(quota / period);
    const size_t allowed = cpus < 1 ? 1 : cpus > 1e6 ? (size_t)1000000 : (size_t)cpus;
    return limit == 0 || allowed < limit ? allowed : limit;
}

// The tightest quota in `mount` + `path` and each folder above it up to `mount`: cgroup v2's
// cpu.max ("max 100000" or "150000 100000"), or v1's cpu.cfs_quota_us (−1: none) over
// cpu.cfs_period_us. Missing files count as no quota: in a container, `path` may name the host's
// folder while the container's own is mounted at `mount`.
static size_t quota_along(const char *mount, const char *path, int v2, size_t limit) {
    char folder[4096], file[4200];
    if (snprintf(folder, sizeof folder, "%s%s", mount, path) >= (int)sizeof folder) return limit;
    const size_t floor = strlen(mount);
    for (;;) {
        size_t length = strlen(folder);
        while (length > floor && folder[length - 1] == '/') folder[--length] = 0;
        if (v2) {
            double period = NAN;
            snprintf(file, sizeof file, "%s/cpu.max", folder);
            const double quota = read_number(file, &period);
            limit = tighter(limit, quota, period);
        } else {
            snprintf(file, sizeof file, "%s/cpu.cfs_quota_us", folder);
            const double quota = read_number(file, NULL);
            snprintf(file, sizeof file, "%s/cpu.cfs_period_us", folder);
            limit = tighter(limit, quota, read_number(file, NULL));
        }
        char *slash = strrchr(folder, '/');
        if (length <= floor || !slash || (size_t)(slash - folder) < floor) break;
        *slash = 0;
    }
    return limit;
}

size_t sibyl_cgroup_cpu_limit(const char *root, const char *membership) {
    size_t limit = 0;
    for (const char *line = membership; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t length = end ? (size_t)(end - line) : strlen(line);
        char entry[4096];
        if (length < sizeof entry) {
            memcpy(entry, line, length);
            entry[length] = 0;
            // "ID:CONTROLLERS:PATH": v2's line is "0::PATH"; v1's cpu controller is listed alone or
            // with cpuacct, and mounted under either name.
            char *controllers = strchr(entry, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;
            if (path) {
                *path++ = 0;
                controllers++;
                char mount[4096];
                if (*controllers == 0) {
                    limit = quota_along(root, path, 1, limit);
                } else {
                    int cpu = 0;
                    char *rest = NULL;
                    for (char *name = strtok_r(controllers, ",", &rest); name; name = strtok_r(NULL, ",", &rest)) cpu |= strcmp(name, "cpu") == 0;
                    const char *mounts[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu"};
                    for (size_t i = 0; cpu && i < 3; i++) {
                        if (snprintf(mount, sizeof mount, "%s/%s", root, mounts[i]) < (int)sizeof mount)
                            limit = quota_along(mount, path, 0, limit);
                    }
                }
            }
        }
        line = end ? end + 1 : NULL;
    }
    return limit;
}

size_t sibyl_processor_count(void) {
    size_t count = 0;
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) count = (size_t)CPU_COUNT(&set);
#endif
    if (count == 0) {
        const long online = sysconf(_SC_NPROCESSORS_ONLN);
        count = online > 0 ? (size_t)online : 1;
    }
#if defined(__linux__)
    // A container's CPU quota: threads past it would be throttled, a spinning barrier most of all.
    char membership[16384];
    FILE *file = fopen("/proc/self/cgroup", "r");
    if (file) {
        const size_t read = fread(membership, 1, sizeof membership - 1, file);
        fclose(file);
        membership[read] = 0;
        const size_t limit = sibyl_cgroup_cpu_limit("/sys/fs/cgroup", membership);
        if (limit > 0 && limit < count) count = limit;
    }
#endif
    return count;
}
