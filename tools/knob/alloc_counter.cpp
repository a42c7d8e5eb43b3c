/// @file
/// @brief The counting global operator new of the knob executable (see alloc_counter.h).
///
/// Every replaceable form of operator new counts one allocation and takes memory from malloc
/// (aligned forms from aligned_alloc); every form of operator delete gives it back with free.
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

// AddressSanitizer (and the fuzzing builds, which use it) bring their own operator new.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KNOB_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define KNOB_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef KNOB_COUNT_ALLOCATIONS
#define KNOB_COUNT_ALLOCATIONS 1
#endif

namespace knob::cli {

namespace {
std::atomic<std::uint64_t> allocation_count{0};
}  // namespace

bool heap_allocations_counted() { return KNOB_COUNT_ALLOCATIONS != 0; }

std::uint64_t heap_allocation_count() { return allocation_count.load(std::memory_order_relaxed); }

#if KNOB_COUNT_ALLOCATIONS
namespace {

void* counted_allocate(std::size_t bytes) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(bytes == 0 ? 1 : bytes);
}

void* counted_allocate_aligned(std::size_t bytes, std::align_val_t alignment) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  const std::size_t rounded = (bytes + align - 1) / align * align;  // aligned_alloc needs this
  return std::aligned_alloc(align, rounded == 0 ? align : rounded);
}

void* allocate_or_throw(void* block) {
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

}  // namespace
#endif

}  // namespace knob::cli

#if KNOB_COUNT_ALLOCATIONS
using knob::cli::allocate_or_throw;
using knob::cli::counted_allocate;
using knob::cli::counted_allocate_aligned;

void* operator new(std::size_t bytes) { return allocate_or_throw(counted_allocate(bytes)); }
void* operator new[](std::size_t bytes) { return allocate_or_throw(counted_allocate(bytes)); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_allocate(bytes);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_allocate(bytes);
}
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  return allocate_or_throw(counted_allocate_aligned(bytes, alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) {
  return allocate_or_throw(counted_allocate_aligned(bytes, alignment));
}
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counted_allocate_aligned(bytes, alignment);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment,
                     const std::nothrow_t&) noexcept {
  return counted_allocate_aligned(bytes, alignment);
}

void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete(void* block, std::align_val_t) noexcept { std::free(block); }
void operator delete[](void* block, std::align_val_t) noexcept { std::free(block); }
void operator delete(void* block, std::size_t, std::align_val_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t, std::align_val_t) noexcept { std::free(block); }
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(block);
}
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(block);
}
#endif
