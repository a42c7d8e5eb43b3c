// Autograder of ex14_tape_reverse_walk. The reference is knob::grad on the same graph; before the
// student's walk the grader scrambles every node's sequence number, so only the graph's structure
// can give the order.
#include "exercises/common/grader.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tape.h"
#include "exercises/ex14_tape_reverse_walk/reverse_walk.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex14_tape_reverse_walk";

/// A recorded expression: its leaves, every intermediate tensor (to reach their nodes), the root.
struct Graph {
  TensorList leaves;
  std::vector<Tensor> intermediates;
  Tensor root;
};

/// Keep `t` as an intermediate of `graph` and return it (to write expressions in one line).
Tensor keep(Graph& graph, const Tensor& t) {
  graph.intermediates.push_back(t);
  return t;
}

Tensor leaf(Graph& graph, const Shape& shape, Generator& gen, bool trainable = true) {
  Tensor t = randn(shape, gen, DType::f64);
  if (trainable) {
    t.requires_grad_();
    graph.leaves.push_back(t);
  }
  return t;
}

// Replace every node's sequence number by a pseudo-random one; returns the originals.
std::vector<std::uint64_t> scramble_sequences(const Graph& graph, std::uint64_t seed) {
  std::vector<std::uint64_t> saved;
  std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (const Tensor& t : graph.intermediates) {
    saved.push_back(t.grad_fn()->sequence);
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    t.grad_fn()->sequence = state >> 33;
  }
  return saved;
}

void restore_sequences(const Graph& graph, const std::vector<std::uint64_t>& saved) {
  for (std::size_t i = 0; i < saved.size(); ++i)
    graph.intermediates[i].grad_fn()->sequence = saved[i];
}

void check_walk(const std::string& what, const std::function<Graph(Generator&)>& build,
                const char* hint, std::uint64_t seed) {
  Generator gen(seed);
  const Graph graph = build(gen);
  const Tensor seed_grad = randn(graph.root.shape(), gen, DType::f64);
  const TensorList expected =
      grad({graph.root}, graph.leaves, {seed_grad}, BackwardOptions{.retain_graph = true});

  const std::vector<std::uint64_t> saved = scramble_sequences(graph, seed);
  TensorList got;
  const bool ran = runs_without_error(
      kId, [&] { got = reverse_walk_gradients(graph.root, seed_grad, graph.leaves); });
  restore_sequences(graph, saved);
  ASSERT_TRUE(ran) << what;
  ASSERT_EQ(got.size(), graph.leaves.size())
      << what << ": expected one gradient per leaf (" << graph.leaves.size() << "), got "
      << got.size() << ".\n  Hint: return them in the order of `leaves`.";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(tensors_match(what + ": gradient of leaf " + std::to_string(i), got[i], expected[i],
                              hint, {1e-12, 1e-10}));
  }
  // The graph must still be whole: knob walks it once more.
  const TensorList again =
      grad({graph.root}, graph.leaves, {seed_grad}, BackwardOptions{.retain_graph = true});
  EXPECT_TRUE(
      tensors_match(what + ": knob's gradient of leaf 0 after your walk", again[0], expected[0],
                    "leave every node as it was: its backward rule and its inputs", {0.0, 0.0}));
  for (const Tensor& leaf_tensor : graph.leaves) {
    EXPECT_FALSE(leaf_tensor.has_grad())
        << what << ": a leaf's .grad() was written.\n  Hint: return the gradients; do not "
        << "accumulate them into the leaves.";
  }
}

TEST(ReverseWalk, AChain) {
  check_walk(
      "sum(tanh(x * w) + b)",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {2, 3}, gen, false);
        const Tensor w = leaf(g, {2, 3}, gen);
        const Tensor b = leaf(g, {3}, gen);
        const Tensor h = keep(g, tanh(keep(g, mul(x, w))));
        g.root = keep(g, sum(keep(g, add(h, b))));
        return g;
      },
      "each node passes its gradient to the nodes that made its inputs; broadcasting is "
      "already inside the backward rules",
      1);
}

TEST(ReverseWalk, AValueUsedTwiceAddsItsGradients) {
  check_walk(
      "a = x * x; c = a * exp(x); sum(c + a)",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {4}, gen);
        const Tensor a = keep(g, mul(x, x));
        const Tensor c = keep(g, mul(a, keep(g, exp(x))));
        g.root = keep(g, sum(keep(g, add(c, a))));
        return g;
      },
      "a tensor used by two nodes (or twice by one) receives a gradient from each use: add "
      "them, do not keep only the last one",
      2);
}

TEST(ReverseWalk, ANodeReachedByPathsOfDifferentLengths) {
  // u = tanh(x) feeds the product directly and through exp: walking the nodes in the order
  // they are first met from the root runs tanh before exp has sent it anything.
  check_walk(
      "u = tanh(x); sum(u * exp(u))",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {3, 2}, gen);
        const Tensor u = keep(g, tanh(x));
        g.root = keep(g, sum(keep(g, mul(u, keep(g, exp(u))))));
        return g;
      },
      "a node may run only when every node that uses its output has run: the first time you "
      "meet a node is not that moment",
      3);
}

TEST(ReverseWalk, DeepDiamondsAndAVectorRoot) {
  check_walk(
      "a diamond of depth 4 with a [3]-shaped root",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {3}, gen);
        const Tensor w = leaf(g, {3, 3}, gen);
        Tensor h = x;
        for (int layer = 0; layer < 4; ++layer) {
          const Tensor left = keep(g, tanh(keep(g, matmul(w, keep(g, reshape(h, {3, 1}))))));
          const Tensor right = keep(g, mul(h, h));
          h = keep(g, add(keep(g, reshape(left, {3})), right));
        }
        g.root = keep(g, mul(h, x));
        return g;
      },
      "order every node after all the nodes that use it; a depth-first search that records a "
      "node once all its inputs are done gives the reverse of that order",
      4);
}

TEST(ReverseWalk, ConstantsGetNothingAndUnusedLeavesGetZeros) {
  check_walk(
      "sum(x * c) with a constant c and an unused leaf",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {2, 2}, gen);
        const Tensor c = leaf(g, {2, 2}, gen, false);
        (void)leaf(g, {5}, gen);  // never used: its gradient is zeros [5]
        g.root = keep(g, sum(keep(g, mul(x, c))));
        return g;
      },
      "a leaf the root does not depend on gets zeros of its own shape", 5);
}

TEST(ReverseWalk, OneElementAndOneRow) {
  check_walk(
      "a one-element graph",
      [](Generator& gen) {
        Graph g;
        const Tensor x = leaf(g, {1}, gen);
        const Tensor y = leaf(g, {1, 4}, gen);
        g.root = keep(g, sum(keep(g, mul(keep(g, exp(x)), y))));
        return g;
      },
      "the root's own gradient is the seed", 6);
}

}  // namespace
}  // namespace knob::exercises
