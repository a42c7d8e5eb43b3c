/// @file
/// @brief A per-thread cache of freed tensor buffers, so a training step stops calling malloc.
///
/// A training step allocates the same buffer sizes every time (the shapes repeat). When a
/// Storage dies its block goes into this thread's cache, keyed by its exact (rounded) size, and
/// the next Storage of that size takes it back. Big blocks from the system also cost page faults
/// on first touch; a reused block is already mapped. The cache holds at most
/// `max_cached_bytes` per thread; beyond that blocks go back to the system.
#pragma once

#include <cstddef>
#include <cstdint>

namespace knob {

/// @brief Counters of the calling thread's buffer cache.
struct BufferPoolStats {
  std::uint64_t system_allocations = 0;  ///< blocks obtained from operator new
  std::uint64_t reuses = 0;              ///< requests served from the cache
  std::size_t cached_bytes = 0;          ///< bytes sitting in the cache now
};

/// @brief A 64-byte aligned block of at least `bytes` bytes (from the cache if possible).
/// @param bytes the block size; the cache only hands back a block of exactly this size.
/// @return the block; give it back with pool_release() and the same `bytes`.
void* pool_allocate(std::size_t bytes);
/// @brief Give back a block from pool_allocate with the same `bytes`.
/// @param block a block from pool_allocate() (any thread's); it goes into the calling thread's
///        cache, or back to the system when caching is off or the cache is full.
/// @param bytes the size it was allocated with.
void pool_release(void* block, std::size_t bytes);
/// @brief This thread's counters.
/// @return a copy of the calling thread's BufferPoolStats.
BufferPoolStats buffer_pool_stats();
/// @brief Return every cached block of this thread to the system.
void buffer_pool_clear();
/// @brief Turn caching on or off for this thread (on by default); off frees the cache.
/// @param enabled true to cache released blocks, false to free every block at once.
void set_buffer_pool_enabled(bool enabled);

}  // namespace knob
