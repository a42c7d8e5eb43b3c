/// @file
/// @brief A per-thread cache of the small blocks behind tensor handles, storages and tape nodes.
///
/// Every op makes a TensorImpl, a Storage and (when recorded) a Node, and a training step frees
/// them all again. Instead of asking the system allocator each time, their blocks are recycled:
/// a freed block goes into the calling thread's cache, sorted into 16-byte size classes, and the
/// next object of that class takes it back. It is buffer_pool.h's idea for objects of a few
/// hundred bytes, with an O(1) free list per class instead of a map.
///
/// Objects use it through PoolAllocator and `std::allocate_shared`:
/// \code
/// auto node = std::allocate_shared<Node>(PoolAllocator<Node>());
/// \endcode
/// Under AddressSanitizer every block goes straight to the system, so that a use after free is
/// still reported.
#pragma once

#include <cstddef>
#include <cstdint>

namespace knob {

/// @brief A block of at least `bytes` bytes, 16-byte aligned, from this thread's cache if it
/// holds one of the same size class.
/// @param bytes the size; blocks larger than 512 bytes always come from the system.
/// @return the block; give it back with object_pool_release() and the same `bytes`.
void* object_pool_allocate(std::size_t bytes);

/// @brief Give back a block from object_pool_allocate() (from any thread) with its `bytes`.
/// @param block the block. @param bytes the size it was allocated with.
void object_pool_release(void* block, std::size_t bytes);

/// @brief Blocks this thread has taken from the system allocator so far (for tests and
/// `knob bench`).
/// @return the count.
std::uint64_t object_pool_system_allocations();

/// @brief Whether freed blocks are cached at all: false in AddressSanitizer builds (GCC's or
/// clang's), where every block goes to the system so that a use after free is reported.
/// @return true in ordinary builds.
bool object_pool_caches_blocks();

/// @brief A standard allocator over object_pool_allocate(), for `std::allocate_shared`.
/// @tparam T the allocated type (alignment at most 16).
template <class T>
struct PoolAllocator {
  using value_type = T;  ///< the allocated type

  PoolAllocator() = default;
  /// @brief Rebinding (allocate_shared allocates its control block through a rebound copy).
  template <class U>
  PoolAllocator(const PoolAllocator<U>& /*other*/) noexcept {}  // NOLINT: implicit by design

  /// @brief Room for n objects. @param n the count. @return uninitialised memory.
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 16, "PoolAllocator: blocks are 16-byte aligned");
    return static_cast<T*>(object_pool_allocate(n * sizeof(T)));
  }
  /// @brief Give back memory from allocate(n). @param p the memory. @param n the same n.
  void deallocate(T* p, std::size_t n) noexcept { object_pool_release(p, n * sizeof(T)); }

  /// @brief All PoolAllocators share the per-thread caches. @return true.
  template <class U>
  bool operator==(const PoolAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

}  // namespace knob
