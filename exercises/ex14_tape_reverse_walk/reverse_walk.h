/// @file
/// @brief Exercise ex14 (lesson 02): the backward pass itself — walk the recorded graph from the
/// root to the leaves, in an order in which every node has all of its gradient before it runs.
#pragma once

#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The gradients of `root` with respect to `leaves`, found by walking the graph that
/// recorded `root` backwards: what knob::grad computes.
///
/// The graph: every tensor computed by a recorded op has a node, `t.grad_fn()` (a
/// std::shared_ptr<Node>, autograd/tape.h); leaves have none (`t.is_leaf()`). A node's `inputs`
/// are the op's inputs, and `node->backward(g)` returns one gradient per input (an undefined
/// Tensor for "none") given the gradient g of the node's output. A tensor may be an input of
/// several nodes, and the same node may be reached along several paths.
///
/// The contract:
/// - find the order from the graph alone: do not call knob::backward, knob::grad or
///   tape_listing, and do not use Node::sequence (the grader scrambles it);
/// - run the backward rules with recording off (knob::NoGradGuard) and leave the graph as it
///   was (do not clear a node's backward or inputs): the grader walks it again afterwards;
/// - inputs that do not require grad receive nothing; a leaf the root does not depend on gets
///   zeros of its shape; nothing is written into any `.grad()`.
/// @param root the value to differentiate (it requires grad and has a grad_fn)
/// @param seed dL/d(root), same shape and dtype as root
/// @param leaves the leaves to return gradients for (each requires grad)
/// @return one gradient per leaf, with the leaf's shape and dtype
TensorList reverse_walk_gradients(const Tensor& root, const Tensor& seed, const TensorList& leaves);

}  // namespace knob::exercises
