// Software prefetch for the prediction path (Sources/Coding): Swift has no spelling for it.
#ifndef STATML_PREFETCH_H
#define STATML_PREFETCH_H

// Asks the CPU to start loading the cache line holding `address` for reading, keeping it in every
// cache level; a hint only (never faults, even for an address outside the process).
static inline void statml_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
