#include "autograd/tape.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "autograd/anomaly.h"
#include "autograd/object_pool.h"
#include "autograd/ops.h"

namespace knob {

namespace {

/// The recording of one thread: nodes in the order their ops ran.
struct Tape {
  std::vector<std::weak_ptr<Node>> nodes;
  std::uint64_t next_sequence = 0;
  std::size_t prune_at = 1024;  // drop expired entries when the vector reaches this size

  void append(const std::shared_ptr<Node>& node) {
    if (nodes.size() >= prune_at) {
      std::erase_if(nodes, [](const std::weak_ptr<Node>& n) { return n.expired(); });
      prune_at = std::max<std::size_t>(1024, 2 * nodes.size());
    }
    nodes.push_back(node);
  }
};

thread_local Tape tape;
thread_local bool grad_mode_enabled = true;
// True while an op's backward rule runs: the ops inside it are not checked by anomaly mode as
// forward ops; the gradient the rule returns is checked instead (as the op's backward).
thread_local bool inside_backward_rule = false;

/// Sets inside_backward_rule for the lifetime of the guard (exception-safe).
class BackwardRuleScope {
 public:
  BackwardRuleScope() : previous_(inside_backward_rule) { inside_backward_rule = true; }
  ~BackwardRuleScope() { inside_backward_rule = previous_; }
  BackwardRuleScope(const BackwardRuleScope&) = delete;
  BackwardRuleScope& operator=(const BackwardRuleScope&) = delete;

 private:
  bool previous_;
};

std::string describe(const Tensor& t) {
  const std::string label = t.name().empty() ? "" : " '" + t.name() + "'";
  return fmt::format("tensor{} of shape {} ({})", label, shape_str(t.shape()),
                     dtype_name(t.dtype()));
}

void check_gradient_matches(const Tensor& target, const Tensor& g, const std::string& op) {
  if (g.shape() != target.shape() || g.dtype() != target.dtype()) {
    throw AutogradError(fmt::format(
        "backward of '{}': produced a gradient {} {} for an input {} {} (an op's backward rule is "
        "wrong)",
        op, shape_str(g.shape()), dtype_name(g.dtype()), shape_str(target.shape()),
        dtype_name(target.dtype())));
  }
}

// Sum g into a gradient slot (a node's pending gradient or a local map entry).
void accumulate(Tensor& slot, const Tensor& g) { slot = slot.defined() ? add(slot, g) : g; }

using LeafSink = std::function<void(const Tensor& leaf, const Tensor& g)>;
using NodeSink = std::function<void(const Node& node, const Tensor& g)>;

[[noreturn]] void throw_freed(const std::string& op) {
  throw AutogradError(
      fmt::format("backward: the '{}' node was already freed by an earlier backward(); use "
                  "retain_graph to backpropagate through a graph twice",
                  op));
}

// The roots' nodes, each holding its seed gradient, and the newest of their sequence numbers.
// A root that is a leaf gets its seed through leaf_sink at once.
struct SeededRoots {
  std::vector<std::shared_ptr<Node>> nodes;
  std::uint64_t newest = 0;
};

SeededRoots seed_roots(const TensorList& roots, const TensorList& root_grads,
                       const LeafSink& leaf_sink) {
  SeededRoots seeded;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const Tensor& root = roots[i];
    if (!root.requires_grad()) {
      throw AutogradError(fmt::format(
          "backward: the {} does not require grad; nothing it depends on is trainable (did you "
          "forget requires_grad_(), or compute it under a NoGradGuard?)",
          describe(root)));
    }
    std::shared_ptr<Node> node = root.grad_fn();
    if (!node) {
      leaf_sink(root, root_grads[i]);
      continue;
    }
    if (node->freed) {
      throw AutogradError(fmt::format(
          "backward: the graph behind this '{}' result was already freed by an earlier "
          "backward(); pass BackwardOptions{{.retain_graph = true}} to the first call to go "
          "through it twice",
          node->op));
    }
    accumulate(node->pending_grad, root_grads[i]);
    seeded.newest = std::max(seeded.newest, node->sequence);
    seeded.nodes.push_back(node);
  }
  return seeded;
}

// Everything recorded up to sequence number `newest`, oldest first. Nodes recorded later (by a
// create_graph pass) are newer and are not visited.
std::vector<std::shared_ptr<Node>> tape_up_to(std::uint64_t newest) {
  // Forget the nodes whose graphs are gone (typically the previous step's): a weak entry keeps
  // its node's memory block, so dropping them here lets the next step reuse those blocks.
  std::erase_if(tape.nodes, [](const std::weak_ptr<Node>& n) { return n.expired(); });
  std::vector<std::shared_ptr<Node>> order;
  order.reserve(tape.nodes.size());
  for (const std::weak_ptr<Node>& weak : tape.nodes) {
    if (std::shared_ptr<Node> node = weak.lock(); node && node->sequence <= newest) {
      order.push_back(std::move(node));
    }
  }
  return order;
}

// One step of the walk: the node's backward rule turns its gradient g (all of it has arrived)
// into its inputs' gradients, which go to their producers' pending gradients or to leaf_sink.
void apply_backward_rule(Node& node, const Tensor& g, const LeafSink& leaf_sink) {
  TensorList input_grads;
  {
    BackwardRuleScope rule;
    input_grads = node.backward(g);  // the op's chain rule
  }
  if (input_grads.size() != node.inputs.size()) {
    throw AutogradError(fmt::format("backward of '{}': returned {} gradients for {} inputs",
                                    node.op, input_grads.size(), node.inputs.size()));
  }
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    const Tensor& input = node.inputs[i];
    const Tensor& gi = input_grads[i];
    if (!input.defined() || !gi.defined() || !input.requires_grad()) continue;
    check_gradient_matches(input, gi, node.op);
    if (detail::anomaly_flag()) detail::check_gradient(node.op, i, gi);
    if (std::shared_ptr<Node> producer = input.grad_fn()) {
      if (producer->freed) throw_freed(producer->op);
      accumulate(producer->pending_grad, gi);
    } else {
      leaf_sink(input, gi);
    }
  }
}

// A root whose gradient is still pending was never reached: it is on another thread's tape.
void check_roots_visited(const std::vector<std::shared_ptr<Node>>& root_nodes) {
  for (const std::shared_ptr<Node>& root : root_nodes) {
    if (root->pending_grad.defined()) {
      root->pending_grad = Tensor();
      throw AutogradError(fmt::format(
          "backward: the '{}' result was recorded on another thread's tape; call backward on "
          "the thread that computed it",
          root->op));
    }
  }
}

/// The one backward walk behind backward() and grad(): seed the roots, then visit the tape from
/// newest to oldest, calling each node's backward rule once all its gradient has arrived.
void run_backward(const TensorList& roots, const TensorList& root_grads, BackwardOptions options,
                  const LeafSink& leaf_sink, const NodeSink& node_sink) {
  const bool retain = options.retain_graph || options.create_graph;
  GradModeGuard mode(options.create_graph);  // record the backward pass only for create_graph
  if (detail::anomaly_flag()) {
    for (const Tensor& seed : root_grads) detail::check_seed_gradient(seed);
  }
  const SeededRoots seeded = seed_roots(roots, root_grads, leaf_sink);
  if (seeded.nodes.empty()) return;
  std::vector<std::shared_ptr<Node>> order = tape_up_to(seeded.newest);

  // If a backward rule or an anomaly check throws part-way, drop the gradients gathered so far
  // so that a later pass through the same (retained) graph does not add stale ones.
  struct DropPendingOnThrow {
    explicit DropPendingOnThrow(std::vector<std::shared_ptr<Node>>& n) : nodes(n) {}
    ~DropPendingOnThrow() {
      if (done) return;
      for (const std::shared_ptr<Node>& node : nodes) node->pending_grad = Tensor();
    }
    std::vector<std::shared_ptr<Node>>& nodes;
    bool done = false;
  } drop_pending(order);

  std::vector<Node*> visited;
  visited.reserve(order.size());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& node = **it;
    if (!node.pending_grad.defined()) continue;  // not on a path from the roots
    if (node.freed || !node.backward) throw_freed(node.op);
    Tensor g = std::move(node.pending_grad);
    node.pending_grad = Tensor();
    if (node_sink) node_sink(node, g);
    apply_backward_rule(node, g, leaf_sink);
    visited.push_back(&node);
  }
  drop_pending.done = true;

  check_roots_visited(seeded.nodes);
  if (!retain) {
    for (Node* node : visited) {  // free what the graph held: saved tensors and closures
      node->backward = nullptr;
      node->inputs.clear();
      node->freed = true;
    }
  }
}

// The gradient to start from: the given one (checked), or 1 for a scalar root.
Tensor seed_gradient(const Tensor& root, const Tensor& grad_output, const char* op) {
  if (!root.defined()) throw AutogradError(std::string(op) + ": the root tensor is undefined");
  if (grad_output.defined()) {
    if (grad_output.shape() != root.shape() || grad_output.dtype() != root.dtype()) {
      throw AutogradError(fmt::format(
          "{}: grad_output {} {} does not match the root {} {}", op, shape_str(grad_output.shape()),
          dtype_name(grad_output.dtype()), shape_str(root.shape()), dtype_name(root.dtype())));
    }
    return grad_output;
  }
  if (root.numel() != 1) {
    throw AutogradError(fmt::format(
        "{}: the root has shape {}; without a grad_output the root must be a scalar (reduce it "
        "with sum() or mean(), or pass grad_output of shape {})",
        op, shape_str(root.shape()), shape_str(root.shape())));
  }
  return ones(root.shape(), root.dtype());
}

}  // namespace

// ------------------------------------------------------------------------------ grad mode ----

bool grad_enabled() { return grad_mode_enabled; }

NoGradGuard::NoGradGuard() : previous_(grad_mode_enabled) { grad_mode_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_mode_enabled = previous_; }

GradModeGuard::GradModeGuard(bool enabled) : previous_(grad_mode_enabled) {
  grad_mode_enabled = enabled;
}
GradModeGuard::~GradModeGuard() { grad_mode_enabled = previous_; }

// ------------------------------------------------------------------------------ recording ----

Tensor record(const std::string& op, Tensor output, TensorList inputs, BackwardFn backward) {
  // Anomaly mode (autograd/anomaly.h): check every op's output, recorded or not.
  if (detail::anomaly_flag() && !inside_backward_rule) detail::check_op_output(op, output, inputs);
  if (!grad_mode_enabled) return output;
  const bool needs_grad = std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) {
    return t.defined() && t.requires_grad();
  });
  if (!needs_grad) return output;

  auto node = std::allocate_shared<Node>(PoolAllocator<Node>());  // block from the object pool
  node->op = op;
  node->sequence = tape.next_sequence++;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->output = output.impl_ptr();
  node->shape = output.shape();
  node->dtype = output.dtype();
  output.impl()->grad_fn = node;
  output.impl()->requires_grad = true;
  tape.append(node);
  return output;
}

SavedTensor SavedTensor::output(const Tensor& t) {
  SavedTensor saved;
  saved.weak_ = t.impl_ptr();
  return saved;
}

Tensor SavedTensor::get() const {
  std::shared_ptr<TensorImpl> impl = weak_.lock();
  if (!impl) {
    throw AutogradError("backward: a saved output was freed before its backward ran");
  }
  return Tensor(std::move(impl));
}

// ------------------------------------------------------------------------------ backward ----

void backward(const Tensor& root, const Tensor& grad_output, BackwardOptions options) {
  const Tensor seed = seed_gradient(root, grad_output, "backward");
  // Leaves own their accumulated gradient: the first one is copied (g may be shared with other
  // leaves), later ones are added. With create_graph the sum stays on the tape.
  auto into_leaf = [&](const Tensor& leaf, const Tensor& g) {
    check_gradient_matches(leaf, g, "backward");
    TensorImpl* impl = leaf.impl();
    if (options.create_graph) {
      impl->grad = impl->grad ? add(Tensor(impl->grad), g).impl_ptr() : g.impl_ptr();
    } else {
      NoGradGuard no_grad;
      impl->grad = impl->grad ? add(Tensor(impl->grad), g).impl_ptr() : g.clone().impl_ptr();
    }
  };
  run_backward({root}, {seed}, options, into_leaf, nullptr);
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                BackwardOptions options) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size()) {
    throw AutogradError(
        fmt::format("grad: {} grad_outputs for {} outputs", grad_outputs.size(), outputs.size()));
  }
  TensorList seeds;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    seeds.push_back(
        seed_gradient(outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i], "grad"));
  }
  std::unordered_map<const TensorImpl*, std::size_t> leaf_index;
  std::unordered_map<const Node*, std::size_t> node_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) {
      throw AutogradError(
          fmt::format("grad: input {} ({}) does not require grad", i, describe(inputs[i])));
    }
    if (std::shared_ptr<Node> node = inputs[i].grad_fn()) {
      node_index[node.get()] = i;
    } else {
      leaf_index[inputs[i].impl()] = i;
    }
  }
  TensorList result(inputs.size());
  auto into_result = [&](const Tensor& leaf, const Tensor& g) {
    if (auto it = leaf_index.find(leaf.impl()); it != leaf_index.end()) {
      accumulate(result[it->second], g);
    }
  };
  auto from_node = [&](const Node& node, const Tensor& g) {
    if (auto it = node_index.find(&node); it != node_index.end()) result[it->second] = g;
  };
  run_backward(outputs, seeds, options, into_result, from_node);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!result[i].defined()) result[i] = zeros_like(inputs[i]);
  }
  return result;
}

// ------------------------------------------------------------------------------ inspection ----

std::size_t tape_size() {
  return static_cast<std::size_t>(
      std::count_if(tape.nodes.begin(), tape.nodes.end(),
                    [](const std::weak_ptr<Node>& n) { return !n.expired(); }));
}

std::string tape_listing() {
  std::string out;
  for (const std::weak_ptr<Node>& weak : tape.nodes) {
    std::shared_ptr<Node> node = weak.lock();
    if (!node) continue;
    std::vector<std::string> inputs;
    for (const Tensor& input : node->inputs) {
      if (!input.defined()) continue;
      if (std::shared_ptr<Node> producer = input.grad_fn()) {
        inputs.push_back(fmt::format("#{}", producer->sequence));
      } else {
        inputs.push_back(fmt::format("{}{}{}", input.requires_grad() ? "param" : "const",
                                     input.name().empty() ? "" : " '" + input.name() + "'",
                                     shape_str(input.shape())));
      }
    }
    out += fmt::format("#{:<4} {:<14} {:<12} <- {}{}\n", node->sequence, node->op,
                       shape_str(node->shape), fmt::join(inputs, ", "),
                       node->freed ? "  (freed)" : "");
  }
  return out;
}

}  // namespace knob
