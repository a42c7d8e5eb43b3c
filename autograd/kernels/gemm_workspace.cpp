/// @file
/// @brief The per-thread scratch buffer of the packed GEMM (see gemm_workspace.h).
#include "autograd/kernels/gemm_workspace.h"

#include <atomic>
#include <new>

namespace knob::kernels::detail {

namespace {

constexpr std::align_val_t kAlignment{64};

std::atomic<std::size_t> allocation_count{0};

/// One thread's buffer; freed when the thread exits.
class Workspace {
 public:
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { release(); }

  void* at_least(std::size_t bytes) {
    if (bytes > capacity_) {
      // Grow by at least half again, so a slowly growing sequence of sizes reallocates rarely.
      const std::size_t grown = capacity_ + capacity_ / 2;
      const std::size_t wanted = bytes > grown ? bytes : grown;
      release();
      data_ = ::operator new(wanted, kAlignment);
      capacity_ = wanted;
      allocation_count.fetch_add(1, std::memory_order_relaxed);
    }
    return data_;
  }

 private:
  void release() {
    if (data_ != nullptr) ::operator delete(data_, kAlignment);
    data_ = nullptr;
    capacity_ = 0;
  }

  void* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace

void* gemm_workspace(std::size_t bytes) {
  thread_local Workspace workspace;
  return workspace.at_least(bytes);
}

std::size_t gemm_workspace_allocations() {
  return allocation_count.load(std::memory_order_relaxed);
}

}  // namespace knob::kernels::detail
