// `knob tour`: a two-minute walk through knob's autograd, printed step by step.
#include <filesystem>

#include <fmt/format.h>

#include "autograd/format.h"
#include "autograd/gradcheck.h"
#include "autograd/graphviz.h"
#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "commands.h"
#include "nn/base/atomic_file.h"

namespace knob::cli {

namespace {

void heading(int step, std::string_view title) { fmt::print("\n== {}. {} ==\n", step, title); }

void run_tour(const std::string& out_dir) {
  fmt::print("knob tour — SIMD path: {}\n", kernels::isa_name(kernels::active_isa()));

  heading(1, "Tensors and broadcasting");
  Tensor a = arange(0, 6, 1, DType::f64).reshape({2, 3});
  Tensor b = tensor({10, 20, 30}, {3}, DType::f64);
  fmt::print("a = {}\nb = {}\na + b (b is broadcast over a's rows) = {}\n", a, b, a + b);

  heading(2, "Gradients with the tape");
  Tensor x = tensor({1, 2, 3}, {3}, DType::f64).set_name("x").requires_grad_();
  Tensor y = sum(x * x + 3.0 * x);  // y = Σ x² + 3x, so dy/dx = 2x + 3
  fmt::print("y = sum(x*x + 3x) = {}\n", y.item());
  fmt::print("the tape, oldest first:\n{}", tape_listing());
  backward(y);
  fmt::print("dy/dx = {}   (2x + 3 = [5, 7, 9])\n", x.grad());

  heading(3, "A second derivative (create_graph)");
  Tensor z = tensor({0.5}, {1}, DType::f64).set_name("z").requires_grad_();
  Tensor f = sum(tanh(z));
  Tensor dfdz = grad({f}, {z}, {}, {.create_graph = true})[0];  // 1 - tanh²z, still on the tape
  Tensor d2 = grad({sum(dfdz)}, {z})[0];                        // -2 tanh z (1 - tanh² z)
  const double t = std::tanh(0.5);
  fmt::print("d/dz tanh = {:.6f} (exact {:.6f});  d²/dz² tanh = {:.6f} (exact {:.6f})\n",
             dfdz.item(), 1 - t * t, d2.item(), -2 * t * (1 - t * t));

  heading(4, "Checking a gradient against finite differences");
  Generator gen(0);
  Tensor w = randn({3, 4}, gen, DType::f64).requires_grad_();
  GradcheckResult r = gradcheck([](const TensorList& in) { return gelu(in[0]); }, {w});
  fmt::print("gelu: {} Jacobian entries compared, max abs error {:.2e}: {}\n", r.compared,
             r.max_abs_error, r.passed ? "pass" : "FAIL");

  heading(5, "A picture of a graph");
  Tensor W = randn({2, 3}, gen, DType::f64).set_name("W").requires_grad_();
  Tensor input = tensor({1, -1, 2}, {3, 1}, DType::f64).set_name("input");
  Tensor loss = sum(relu(matmul(W, input)));
  nn::ensure_directory(out_dir);
  const std::string path = (std::filesystem::path(out_dir) / "tour_graph.dot").string();
  nn::atomic_write_bytes(path, to_dot(loss));
  fmt::print("wrote {} (render it: dot -Tsvg {} -o tour_graph.svg)\n", path, path);
  fmt::print("\nNext: knob gradcheck checks every op; the tutorials/ folder has the lessons.\n");
}

}  // namespace

void add_tour_command(CLI::App& app) {
  auto out_dir = std::make_shared<std::string>(".");
  CLI::App* cmd = app.add_subcommand("tour", "A short tour of tensors, the tape and gradients");
  cmd->add_option("--out-dir", *out_dir, "Where to write the graph picture (default: .)");
  cmd->callback([out_dir] { run_tour(*out_dir); });
}

}  // namespace knob::cli
