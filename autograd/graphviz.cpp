#include "autograd/graphviz.h"

#include <unordered_map>

#include <fmt/format.h>

#include "autograd/tape.h"

namespace knob {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\n') {
      out += "\\n";  // a line break inside a DOT label
      continue;
    }
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

std::string values_text(const Tensor& t, const DotOptions& options) {
  if (t.numel() > options.show_values_up_to) return "";
  std::vector<std::string> parts;
  for (double v : t.to_vector()) parts.push_back(fmt::format("{:.4g}", v));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

struct DotWriter {
  const DotOptions& options;
  std::string body;
  std::unordered_map<const void*, std::string> ids;  // node or leaf → DOT id

  std::string leaf(const Tensor& t) {
    if (auto it = ids.find(t.impl()); it != ids.end()) return it->second;
    const std::string id = fmt::format("t{}", ids.size());
    ids[t.impl()] = id;
    const bool trainable = t.requires_grad();
    const std::string title = t.name().empty() ? (trainable ? "parameter" : "constant") : t.name();
    std::string label =
        fmt::format("{}\n{} {}", title, shape_str(t.shape()), dtype_name(t.dtype()));
    if (const std::string v = values_text(t, options); !v.empty()) label += "\ndata " + v;
    if (trainable && t.has_grad()) {
      if (const std::string g = values_text(t.grad(), options); !g.empty()) label += "\ngrad " + g;
    }
    label.append(trainable ? "\n(trainable)" : "\n(frozen)");
    body += fmt::format("  {} [shape=ellipse, style=filled, fillcolor=\"{}\", label=\"{}\"];\n", id,
                        trainable ? "#c8e6c9" : "#eeeeee", escape(label));
    return id;
  }

  std::string node(const std::shared_ptr<Node>& n) {
    if (auto it = ids.find(n.get()); it != ids.end()) return it->second;
    const std::string id = fmt::format("n{}", n->sequence);
    ids[n.get()] = id;
    std::string label = fmt::format("{}\n{}", n->op, shape_str(n->shape));
    if (auto out = n->output.lock()) {
      if (const std::string v = values_text(Tensor(out), options); !v.empty()) {
        label += "\ndata " + v;
      }
    }
    if (n->freed) label += "\n(freed)";
    body += fmt::format("  {} [shape=box, style=filled, fillcolor=\"#bbdefb\", label=\"{}\"];\n",
                        id, escape(label));
    for (const Tensor& input : n->inputs) {
      if (!input.defined()) continue;
      const std::string from = input.grad_fn() ? node(input.grad_fn()) : leaf(input);
      body += fmt::format("  {} -> {};\n", from, id);
    }
    return id;
  }
};

}  // namespace

std::string to_dot(const Tensor& root, const DotOptions& options) {
  DotWriter writer{options, {}, {}};
  if (root.grad_fn()) {
    writer.node(root.grad_fn());
  } else {
    writer.leaf(root);
  }
  return "digraph knob {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n" +
         writer.body + "}\n";
}

}  // namespace knob
