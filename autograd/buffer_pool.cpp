#include "autograd/buffer_pool.h"

#include <new>
#include <unordered_map>
#include <vector>

namespace knob {

namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kMaxCachedBytes = std::size_t{512} << 20;  // per thread

void* system_allocate(std::size_t bytes) {
  return ::operator new(bytes, std::align_val_t(kAlignment));
}
void system_release(void* block) { ::operator delete(block, std::align_val_t(kAlignment)); }

struct Pool {
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // size → blocks
  BufferPoolStats stats;
  bool enabled = true;

  void clear() {
    for (auto& [size, blocks] : free_blocks) {
      for (void* b : blocks) system_release(b);
    }
    free_blocks.clear();
    stats.cached_bytes = 0;
  }
  ~Pool();
};

// Storages can outlive the pool at thread exit (a static tensor, say): after the pool is gone,
// blocks are released straight to the system. A plain bool has no destructor, so it stays valid.
thread_local bool pool_alive = false;
thread_local Pool pool;

Pool::~Pool() {
  pool_alive = false;
  clear();
}

Pool* live_pool() {
  if (!pool_alive) {
    // First use on this thread constructs `pool` (thread_local objects start on first odr-use).
    pool.stats = {};
    pool_alive = true;
  }
  return &pool;
}

}  // namespace

void* pool_allocate(std::size_t bytes) {
  Pool* p = live_pool();
  if (p->enabled) {
    auto it = p->free_blocks.find(bytes);
    if (it != p->free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      p->stats.cached_bytes -= bytes;
      ++p->stats.reuses;
      return block;
    }
  }
  ++p->stats.system_allocations;
  return system_allocate(bytes);
}

void pool_release(void* block, std::size_t bytes) {
  if (!pool_alive || !pool.enabled || pool.stats.cached_bytes + bytes > kMaxCachedBytes) {
    system_release(block);
    return;
  }
  pool.free_blocks[bytes].push_back(block);
  pool.stats.cached_bytes += bytes;
}

BufferPoolStats buffer_pool_stats() { return live_pool()->stats; }

void buffer_pool_clear() { live_pool()->clear(); }

void set_buffer_pool_enabled(bool enabled) {
  Pool* p = live_pool();
  p->enabled = enabled;
  if (!enabled) p->clear();
}

}  // namespace knob
