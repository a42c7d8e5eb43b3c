// WRONG (wrong order): runs the nodes in the order a breadth-first search from the
// root first meets them, which is not always after every node that uses them.
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex14_tape_reverse_walk/reverse_walk.h"

namespace knob::exercises {

namespace {

// Every node reachable from `root`, each after all the nodes that produced its inputs
// (post-order of an iterative depth-first search: no recursion, however deep the graph).
std::vector<Node*> inputs_first_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_set<Node*> seen{root};
  std::vector<std::pair<Node*, std::size_t>> stack{{root, 0}};  // (node, next input to visit)
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* producer = node->inputs[next++].grad_fn().get();
      if (producer != nullptr && seen.insert(producer).second) stack.emplace_back(producer, 0);
      continue;
    }
    order.push_back(node);
    stack.pop_back();
  }
  return order;
}

// total += g, starting from g itself.
void accumulate(Tensor& total, const Tensor& g) { total = total.defined() ? add(total, g) : g; }

}  // namespace

TensorList reverse_walk_gradients(const Tensor& root, const Tensor& seed,
                                  const TensorList& leaves) {
  if (!root.requires_grad() || root.grad_fn() == nullptr) {
    throw AutogradError("reverse_walk_gradients: the root " + shape_str(root.shape()) +
                        " was not computed by a recorded op");
  }
  if (seed.shape() != root.shape()) {
    throw ShapeError("reverse_walk_gradients: seed " + shape_str(seed.shape()) +
                     " must have the root's shape " + shape_str(root.shape()));
  }
  NoGradGuard no_grad;
  std::unordered_map<Node*, Tensor> node_grad;              // dL/d(node's output)
  std::unordered_map<const TensorImpl*, Tensor> leaf_grad;  // dL/d(leaf)
  node_grad[root.grad_fn().get()] = seed;

  std::vector<Node*> order{root.grad_fn().get()};
  std::unordered_set<Node*> met{root.grad_fn().get()};
  for (std::size_t k = 0; k < order.size(); ++k) {
    for (const Tensor& input : order[k]->inputs) {
      Node* producer = input.grad_fn().get();
      if (producer != nullptr && met.insert(producer).second) order.push_back(producer);
    }
  }
  for (auto it = order.begin(); it != order.end(); ++it) {
    Node* node = *it;
    const auto found = node_grad.find(node);
    if (found == node_grad.end()) continue;  // no gradient reached it
    const TensorList input_grads = node->backward(found->second);
    for (std::size_t i = 0; i < node->inputs.size(); ++i) {
      const Tensor& input = node->inputs[i];
      if (i >= input_grads.size() || !input_grads[i].defined() || !input.requires_grad()) continue;
      if (Node* producer = input.grad_fn().get()) {
        accumulate(node_grad[producer], input_grads[i]);
      } else {
        accumulate(leaf_grad[input.impl()], input_grads[i]);
      }
    }
  }

  TensorList result;
  for (const Tensor& leaf : leaves) {
    const auto found = leaf_grad.find(leaf.impl());
    result.push_back(found != leaf_grad.end() ? found->second : zeros_like(leaf));
  }
  return result;
}

}  // namespace knob::exercises
