/// @file
/// @brief Splitting work across cores: a small persistent thread pool behind `parallel_for`.
///
/// The number of threads is `KNOB_THREADS` if set (1 = everything on the calling thread), else
/// the number of cores. Work is split into contiguous, equal ranges, so results do not depend on
/// the thread count: each output element is computed by exactly the same instructions.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>

namespace knob {

/// @brief Threads that parallel_for uses.
/// @return the count set by set_num_threads(), else `KNOB_THREADS`, else the number of cores
///         (at least 1).
int num_threads();

/// @brief Set the thread count for later calls (1 disables parallelism).
/// @param threads the new count.
/// @throws ValueError when `threads` < 1.
void set_num_threads(int threads);

/// @brief A non-owning reference to a callable `void(std::int64_t begin, std::int64_t end)`:
/// what parallel_for runs. Unlike std::function it never allocates; the callable must outlive
/// the call it is passed to (a lambda written in the call's argument list does).
class RangeFn {
 public:
  /// @brief Refer to f. @param f any callable as fn(begin, end).
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeFn>>>
  RangeFn(F&& f)  // NOLINT: implicit, so that a lambda can be passed directly
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, std::int64_t begin, std::int64_t end) {
          (*static_cast<std::remove_reference_t<F>*>(object))(begin, end);
        }) {}
  /// @brief Call it. @param begin first item. @param end one past the last item.
  void operator()(std::int64_t begin, std::int64_t end) const { call_(object_, begin, end); }

 private:
  void* object_;
  void (*call_)(void* object, std::int64_t begin, std::int64_t end);
};

/// @brief Run fn(begin, end) over a split of [0, n) on up to num_threads() threads and wait.
///
/// Splits only when `n >= 2` and `work` (an estimate of the total cost, e.g. FLOPs) is at least
/// `min_work`; small jobs run inline, so threading never makes a small op slower. Nested calls
/// run inline. Exceptions from fn are rethrown on the calling thread.
/// @param n the number of items, indexed 0..n-1.
/// @param work the estimated total cost of all n items.
/// @param fn called as fn(begin, end) for disjoint ranges covering [0, n).
/// @param min_work the least `work` worth splitting.
void parallel_for(std::int64_t n, double work, RangeFn fn, double min_work = 2e6);

}  // namespace knob
