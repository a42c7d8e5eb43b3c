// The pieces that keep a training step off the heap: SmallVector (shapes and axes), the object
// pool behind PoolAllocator (tensor handles, storages, tape nodes, tensor lists), BackwardFn
// (backward rules with their closures inline) and RangeFn (parallel_for's callable).
#include <array>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/object_pool.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/small_vector.h"
#include "autograd/tape.h"

namespace knob {
namespace {

using Small = SmallVector<std::int64_t, 4>;

TEST(SmallVector, BehavesLikeAStdVectorInsideAndBeyondItsInlineRoom) {
  Small v{1, 2, 3};
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.capacity(), 4u);
  v.push_back(4);
  EXPECT_EQ(v.capacity(), 4u);  // still inline
  v.push_back(5);               // moves to the heap
  EXPECT_GE(v.capacity(), 5u);
  EXPECT_EQ(std::vector<std::int64_t>(v), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  v.insert(v.begin() + 1, 9);
  v.erase(v.begin() + 3);
  EXPECT_EQ(v, (Small{1, 9, 2, 4, 5}));
  v.insert(v.end(), v.begin(), v.begin() + 2);  // a range from the vector itself
  EXPECT_EQ(v, (Small{1, 9, 2, 4, 5, 1, 9}));
  v.resize(2);
  EXPECT_EQ(v, (Small{1, 9}));
  v.resize(4, 7);
  EXPECT_EQ(v, (Small{1, 9, 7, 7}));
  EXPECT_EQ(v.front(), 1);
  EXPECT_EQ(v.back(), 7);
  EXPECT_THROW(v.at(4), std::out_of_range);
  EXPECT_EQ(*v.rbegin(), 7);
  EXPECT_LT((Small{1, 2}), (Small{1, 3}));
  EXPECT_LT((Small{1, 2}), (Small{1, 2, 0}));
}

TEST(SmallVector, CopiesAndMovesKeepTheElementsAndLeaveTheSourceUsable) {
  for (std::size_t n : {2u, 9u}) {  // inline, and on the heap
    Small a(n, 0);
    std::iota(a.begin(), a.end(), 10);
    Small copy = a;
    EXPECT_EQ(copy, a);
    Small moved = std::move(a);
    EXPECT_EQ(moved, copy);
    EXPECT_TRUE(a.empty());  // NOLINT: moved-from is empty and reusable by contract
    a.push_back(3);
    EXPECT_EQ(a, (Small{3}));
    Small assigned{1};
    assigned = moved;
    EXPECT_EQ(assigned, copy);
    assigned = std::move(moved);
    EXPECT_EQ(assigned, copy);
    assigned = assigned;  // self-assignment keeps the elements
    EXPECT_EQ(assigned, copy);
  }
}

TEST(SmallVector, ConvertsToAndFromStdVector) {
  const std::vector<std::int64_t> plain{4, 5, 6};
  const Shape shape = plain;
  EXPECT_EQ(shape, (Shape{4, 5, 6}));
  const std::vector<std::int64_t> back = shape;
  EXPECT_EQ(back, plain);
}

TEST(ObjectPool, AFreedBlockIsReusedForTheNextObjectOfItsSize) {
  void* a = object_pool_allocate(100);
  object_pool_release(a, 100);
  const std::uint64_t before = object_pool_system_allocations();
  void* b = object_pool_allocate(112);  // the same 16-byte class as 100
  EXPECT_EQ(object_pool_system_allocations(), before);
  if (object_pool_caches_blocks()) {  // (under ASan every block is fresh)
    EXPECT_EQ(a, b);
  }
  object_pool_release(b, 112);
  void* big = object_pool_allocate(4096);  // beyond the pooled sizes: straight to the system
  object_pool_release(big, 4096);
}

TEST(ObjectPool, TensorsAndTapeNodesStopTakingBlocksOnceWarm) {
  Tensor x = ones({4, 4}, DType::f64).requires_grad_();
  auto step = [&] {
    Tensor y = sum(mul(exp(x), x));
    backward(y);
  };
  for (int i = 0; i < 3; ++i) step();  // the first steps fill the caches
  const std::uint64_t warm = object_pool_system_allocations();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(object_pool_system_allocations(), warm);
}

TEST(BackwardFn, RunsSmallAndLargeClosuresAndMovesThem) {
  const Tensor t = ones({2}, DType::f64);
  BackwardFn small = [t](const Tensor& g) { return TensorList{add(g, t)}; };
  std::array<double, 40> big_capture{};  // a 320-byte closure: too big to keep inline
  big_capture[0] = 2.0;
  BackwardFn large = [big_capture](const Tensor& g) {
    return TensorList{mul_scalar(g, big_capture[0])};
  };
  const Tensor g = ones({2}, DType::f64);
  EXPECT_EQ(small(g)[0].to_vector(), (std::vector<double>{2.0, 2.0}));
  EXPECT_EQ(large(g)[0].to_vector(), (std::vector<double>{2.0, 2.0}));
  BackwardFn moved = std::move(small);
  EXPECT_FALSE(small);  // NOLINT: moved-from is empty
  EXPECT_TRUE(moved);
  EXPECT_EQ(moved(g)[0].to_vector(), (std::vector<double>{2.0, 2.0}));
  moved = std::move(large);
  EXPECT_EQ(moved(g)[0].to_vector(), (std::vector<double>{2.0, 2.0}));
  moved = nullptr;
  EXPECT_FALSE(moved);
}

TEST(BackwardFn, ReleasesWhatItCapturedWhenReset) {
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  BackwardFn rule = [owned](const Tensor& g) { return TensorList{g}; };
  owned.reset();
  EXPECT_FALSE(watch.expired());
  rule = nullptr;
  EXPECT_TRUE(watch.expired());
}

TEST(RangeFn, ParallelForCoversEveryItemOnce) {
  std::vector<int> hits(1000, 0);
  parallel_for(
      static_cast<std::int64_t>(hits.size()), 1e9,
      [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
      },
      0.0);
  for (int h : hits) EXPECT_EQ(h, 1);
}

}  // namespace
}  // namespace knob
