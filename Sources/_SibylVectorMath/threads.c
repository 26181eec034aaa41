// Threads that start together and a spinning barrier (see sibyl_threads.h).
#include "sibyl_threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct sibyl_barrier {
    _Atomic size_t arrived;
    _Atomic size_t generation;
    size_t parties;
};

sibyl_barrier *sibyl_barrier_create(size_t parties) {
    sibyl_barrier *barrier = calloc(1, sizeof *barrier);
    if (barrier) barrier->parties = parties;
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
    for (unsigned spins = 0; atomic_load_explicit(&barrier->generation, memory_order_acquire) == generation; spins++) {
        // Steps take tens of microseconds or more: spin through the wait for a part that is
        // running, yield to one that was descheduled (a busy machine, more threads than cores).
        if (spins < 1u << 14) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
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

int sibyl_run_threads(size_t parts, void (*body)(void *context, size_t part), void *context) {
    if (parts == 0) return 0;
    if (parts == 1) {
        body(context, 0);
        return 0;
    }
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
