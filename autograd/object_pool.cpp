#include "autograd/object_pool.h"

#include <array>
#include <new>
#include <vector>

namespace knob {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooling = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif
#else
constexpr bool kPooling = true;
#endif

constexpr std::size_t kGranule = 16;          // size classes are multiples of 16 bytes
constexpr std::size_t kMaxPooledBytes = 512;  // larger blocks are not cached
constexpr std::size_t kMaxBlocksPerClass = 1 << 16;
constexpr std::size_t kClasses = kMaxPooledBytes / kGranule + 1;

std::size_t size_class(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule; }

struct ObjectPool {
  std::array<std::vector<void*>, kClasses> free_blocks;  // class → blocks of class·16 bytes
  std::uint64_t system_allocations = 0;
  ~ObjectPool();
};

// Objects can be made or freed after this thread's pool is gone (a static tensor destroyed at
// exit): then their blocks come from and go back to the system. Plain bools have no destructor,
// so they can be read at any time.
thread_local bool pool_alive = false;      // constructed and not yet destroyed
thread_local bool pool_destroyed = false;  // destroyed: never touch `pool` again
thread_local ObjectPool pool;

ObjectPool::~ObjectPool() {
  pool_alive = false;
  pool_destroyed = true;
  for (std::vector<void*>& blocks : free_blocks) {
    for (void* block : blocks) ::operator delete(block);
  }
}

}  // namespace

void* object_pool_allocate(std::size_t bytes) {
  const std::size_t c = size_class(bytes);
  if (kPooling && c < kClasses && !pool_destroyed) {
    pool_alive = true;  // the first use on this thread constructs `pool`
    std::vector<void*>& blocks = pool.free_blocks[c];
    if (!blocks.empty()) {
      void* block = blocks.back();
      blocks.pop_back();
      return block;
    }
    ++pool.system_allocations;
    return ::operator new(c* kGranule);
  }
  return ::operator new(bytes);
}

void object_pool_release(void* block, std::size_t bytes) {
  const std::size_t c = size_class(bytes);
  if (kPooling && c < kClasses && pool_alive && pool.free_blocks[c].size() < kMaxBlocksPerClass) {
    pool.free_blocks[c].push_back(block);
    return;
  }
  ::operator delete(block);
}

bool object_pool_caches_blocks() { return kPooling; }

std::uint64_t object_pool_system_allocations() { return pool_alive ? pool.system_allocations : 0; }

}  // namespace knob
