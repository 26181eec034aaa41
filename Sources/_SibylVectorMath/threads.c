// Threads that run a split's parts at once, kept parked between runs, and a spinning barrier
// (see sibyl_threads.h).
#define _GNU_SOURCE
#include "sibyl_threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
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

size_t sibyl_processor_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return (size_t)CPU_COUNT(&set);
#endif
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (size_t)online : 1;
}
