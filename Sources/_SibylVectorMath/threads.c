// Threads that run a split's parts at once, kept parked between runs, and a spinning barrier
// (see sibyl_threads.h).
#define _GNU_SOURCE
#include "sibyl_threads.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
        barrier->spins = parties <= sibyl_processor_count() ? 1u << 14 : 0;
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
    atomic_store_explicit(&spin_ns, parts <= sibyl_processor_count() ? spin_before_sleep_ns : 0, memory_order_relaxed);
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

// Bytes of a memory limit file (v2's memory.max, "max" for none; v1's memory.limit_in_bytes, a
// number near 2^63 for none), tighter than `limit` (0: none yet).
static size_t tighter_bytes(size_t limit, double bytes) {
    if (!(bytes > 0) || bytes >= 0x1p62) return limit;
    const size_t allowed = (size_t)bytes;
    return limit == 0 || allowed < limit ? allowed : limit;
}

// The tightest limit in `folder` and each folder above it up to the mount, its first
// `mount_length` bytes. CPU quotas (`memory` 0): cgroup v2's cpu.max ("max 100000" or "150000
// 100000"), or v1's cpu.cfs_quota_us (−1: none) over cpu.cfs_period_us. Memory (`memory` 1): v2's
// memory.max, v1's memory.limit_in_bytes. Missing files count as no limit.
static size_t limit_along(char *folder, size_t mount_length, int v2, int memory, size_t limit) {
    char file[4200];
    for (;;) {
        size_t length = strlen(folder);
        while (length > mount_length && folder[length - 1] == '/') folder[--length] = 0;
        if (memory) {
            snprintf(file, sizeof file, "%s/%s", folder, v2 ? "memory.max" : "memory.limit_in_bytes");
            limit = tighter_bytes(limit, read_number(file, NULL));
        } else if (v2) {
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
        if (length <= mount_length || !slash || (size_t)(slash - folder) < mount_length) break;
        *slash = 0;
    }
    return limit;
}

// Copies the space-separated field of `line` that starts at `*at` into `out` (at most `size`
// bytes), decoding mountinfo's octal escapes (\040 for a space), and moves `*at` past it; 0 when
// there is none or it does not fit.
static int next_field(const char **at, char *out, size_t size) {
    const char *p = *at;
    while (*p == ' ') p++;
    if (*p == 0 || *p == '\n') return 0;
    size_t n = 0;
    while (*p && *p != ' ' && *p != '\n') {
        char c = *p++;
        if (c == '\\' && p[0] >= '0' && p[0] <= '7' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
            c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
            p += 3;
        }
        if (n + 1 >= size) return 0;
        out[n++] = c;
    }
    out[n] = 0;
    *at = p;
    return 1;
}

// Whether the comma-separated `list` holds `name`.
static int lists(const char *list, const char *name) {
    const size_t length = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        const size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == length && strncmp(p, name, n) == 0) return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

// The process's folder in the hierarchy of cgroup version `v2` (1) or v1's `controller` (0), from
// the text of /proc/self/cgroup: "0::PATH" for v2, "N:CONTROLLERS:PATH" for v1. 0 when none.
static int cgroup_path(const char *membership, int v2, const char *controller, char *out, size_t size) {
    for (const char *line = membership; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t length = end ? (size_t)(end - line) : strlen(line);
        const char *first = memchr(line, ':', length);
        const char *second = first ? memchr(first + 1, ':', length - (size_t)(first + 1 - line)) : NULL;
        if (second) {
            char controllers[256];
            const size_t n = (size_t)(second - first - 1);
            const size_t path_length = length - (size_t)(second + 1 - line);
            if (n < sizeof controllers && path_length < size) {
                memcpy(controllers, first + 1, n);
                controllers[n] = 0;
                if (v2 ? n == 0 : lists(controllers, controller)) {
                    size_t k = path_length;
                    memcpy(out, second + 1, k);
                    out[k] = 0;
                    while (k > 0 && out[k - 1] == '\r') out[--k] = 0;
                    return 1;
                }
            }
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

// The tightest limit of the `memory` controller (1) or the cpu one (0) over every hierarchy that
// mounts it (see sibyl_cgroup_cpu_limit).
static size_t cgroup_limit(const char *mountinfo, const char *membership, int memory) {
    const char *controller = memory ? "memory" : "cpu";
    size_t limit = 0;
    char path[4096], root[4096], mount[4096], field[4096], type[64], folder[8192];
    for (const char *line = mountinfo; line && *line;) {
        const char *end = strchr(line, '\n');
        // "ID PARENT MAJOR:MINOR ROOT MOUNT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER-OPTIONS"
        const char *at = line;
        int ok = next_field(&at, field, sizeof field) && next_field(&at, field, sizeof field) &&
                 next_field(&at, field, sizeof field) && next_field(&at, root, sizeof root) &&
                 next_field(&at, mount, sizeof mount);
        while (ok && (ok = next_field(&at, field, sizeof field)) && strcmp(field, "-") != 0) {}
        ok = ok && next_field(&at, type, sizeof type) && next_field(&at, field, sizeof field) &&
             next_field(&at, field, sizeof field);
        const int v2 = ok && strcmp(type, "cgroup2") == 0;
        if (ok && (v2 || (strcmp(type, "cgroup") == 0 && lists(field, controller))) &&
            cgroup_path(membership, v2, controller, path, sizeof path)) {
            // The mount shows the hierarchy from `root` down (a container's own folder, when the
            // path listed is the host's): the process's folder is below the mount by the rest of
            // its path; a path outside the root leaves the mount's own folder.
            size_t root_length = strlen(root);
            while (root_length > 0 && root[root_length - 1] == '/') root[--root_length] = 0;
            const int inside = strncmp(path, root, root_length) == 0 && (path[root_length] == '/' || path[root_length] == 0);
            const int written = snprintf(folder, sizeof folder, "%s%s", mount, inside ? path + root_length : "");
            if (written > 0 && (size_t)written < sizeof folder) limit = limit_along(folder, strlen(mount), v2, memory, limit);
        }
        line = end ? end + 1 : NULL;
    }
    return limit;
}

size_t sibyl_cgroup_cpu_limit(const char *mountinfo, const char *membership) {
    return cgroup_limit(mountinfo, membership, 0);
}

size_t sibyl_cgroup_memory_limit(const char *mountinfo, const char *membership) {
    return cgroup_limit(mountinfo, membership, 1);
}

#if defined(__linux__)
// The whole text of a (proc) file, or NULL; the caller frees it.
static char *read_text(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) return NULL;
    size_t size = 0, capacity = 16384;
    char *text = malloc(capacity);
    while (text) {
        size += fread(text + size, 1, capacity - 1 - size, file);
        if (size < capacity - 1 || capacity >= ((size_t)16 << 20)) break;
        char *grown = realloc(text, capacity * 2);
        if (!grown) { free(text); text = NULL; break; }
        text = grown;
        capacity *= 2;
    }
    fclose(file);
    if (text) text[size] = 0;
    return text;
}

// The tightest memory limit (`memory` 1) or CPU quota (0) of this process's cgroups, read from its
// /proc/self/cgroup and /proc/self/mountinfo; 0 when none applies.
static size_t own_cgroup_limit(int memory) {
    char *membership = read_text("/proc/self/cgroup"), *mountinfo = read_text("/proc/self/mountinfo");
    const size_t limit = membership && mountinfo ? cgroup_limit(mountinfo, membership, memory) : 0;
    free(membership);
    free(mountinfo);
    return limit;
}
#endif

// The count sibyl_processor_count gives, found anew (a system call and a few files read).
static size_t count_processors(void) {
    size_t count = 0;
#if defined(__linux__)
    // A set large enough for the machine: sched_getaffinity refuses one smaller than the kernel's.
    for (int cpus = 1024; cpus <= (1 << 16); cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(cpus);
        if (!set) break;
        const size_t size = CPU_ALLOC_SIZE(cpus);
        const int got = sched_getaffinity(0, size, set), refused = got != 0 && errno == EINVAL;
        if (got == 0 && CPU_COUNT_S(size, set) > 0) count = (size_t)CPU_COUNT_S(size, set);
        CPU_FREE(set);
        if (!refused) break;
    }
#endif
    if (count == 0) {
        const long online = sysconf(_SC_NPROCESSORS_ONLN);
        count = online > 0 ? (size_t)online : 1;
    }
#if defined(__linux__)
    // A container's CPU quota: threads past it would be throttled, a spinning barrier most of all.
    const size_t limit = own_cgroup_limit(0);
    if (limit > 0 && limit < count) count = limit;
#endif
    return count;
}

size_t sibyl_memory_limit(void) {
    size_t limit = 0;
#if defined(__linux__)
    limit = own_cgroup_limit(1);
#endif
    // An address-space limit (`ulimit -v`) caps what allocations may take, whatever the memory.
    struct rlimit address_space;
    if (getrlimit(RLIMIT_AS, &address_space) == 0 && address_space.rlim_cur != RLIM_INFINITY) {
        limit = tighter_bytes(limit, (double)address_space.rlim_cur);
    }
    return limit;
}

size_t sibyl_processor_count(void) {
    // Read once: every barrier and run asks.
    static _Atomic size_t count;
    size_t known = atomic_load_explicit(&count, memory_order_relaxed);
    if (!known) {
        known = count_processors();
        atomic_store_explicit(&count, known, memory_order_relaxed);
    }
    return known;
}

int sibyl_flush_standard_output(void) {
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) return errno != 0 ? errno : EIO;
    return 0;
}
