// Lesson 02: the tape. Autograd by hand for one neuron, then the same with knob's tape; the
// listing of the tape, the DOT picture of the graph, and why the tape holds nodes weakly.
// Read tutorials/02_tape/README.md alongside. Exits 1 if anything the lesson claims is false.
//
// Usage: tutorial_02 [OUT_DIR]   (writes OUT_DIR/tape_graph.dot; default: the current folder)
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/format.h"
#include "autograd/graphviz.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

bool near(double a, double b) { return std::fabs(a - b) <= 1e-12 * (1.0 + std::fabs(b)); }

// The numbers of the lesson: one neuron, one target.
constexpr double kX = 1.5, kW = -0.8, kB = 0.3, kTarget = 0.5;

struct HandGradients {
  double loss, dw, db, dx;
};

// ---- 1. by hand ---------------------------------------------------------------------------------
HandGradients by_hand() {
  heading(1, "Autograd by hand: L = (tanh(w*x + b) - t)^2");
  // forward, one intermediate value per line
  const double z = kW * kX + kB;                      // z = w x + b
  const double a = std::tanh(z);                      // a = tanh z
  const double loss = (a - kTarget) * (a - kTarget);  // L = (a - t)^2
  fmt::print("forward:  z = {:.6f}   a = {:.6f}   L = {:.6f}\n", z, a, loss);
  // backward, the same lines in reverse, each one "local derivative times what came back"
  const double dL_da = 2.0 * (a - kTarget);    // dL/da = 2(a - t)
  const double dL_dz = dL_da * (1.0 - a * a);  // da/dz = 1 - tanh^2 z
  const double dL_dw = dL_dz * kX;             // dz/dw = x
  const double dL_db = dL_dz;                  // dz/db = 1
  const double dL_dx = dL_dz * kW;             // dz/dx = w
  fmt::print("backward: dL/da = {:.6f}   dL/dz = {:.6f}\n", dL_da, dL_dz);
  fmt::print("          dL/dw = {:.6f}   dL/db = {:.6f}   dL/dx = {:.6f}\n", dL_dw, dL_db, dL_dx);
  return {loss, dL_dw, dL_db, dL_dx};
}

// ---- 2. the same with the tape ------------------------------------------------------------------
void with_the_tape(const HandGradients& hand, const std::string& out_dir) {
  heading(2, "The same with the tape");
  Tensor x = scalar(kX, DType::f64).set_name("x");  // a constant input
  Tensor w = scalar(kW, DType::f64).set_name("w").requires_grad_();
  Tensor b = scalar(kB, DType::f64).set_name("b").requires_grad_();
  Tensor t = scalar(kTarget, DType::f64).set_name("t");
  Tensor z = w * x + b;
  Tensor a = tanh(z);
  Tensor loss = pow(a - t, 2.0);
  fmt::print("L = {:.6f}; the tape, oldest first:\n{}", loss.item(), tape_listing());
  claim(tape_size() == 5, "five ops were recorded");

  heading(3, "The picture of the graph");
  std::filesystem::create_directories(out_dir);
  const std::string path = (std::filesystem::path(out_dir) / "tape_graph.dot").string();
  std::ofstream(path) << to_dot(loss);
  fmt::print("wrote {}\nrender it with: dot -Tsvg {} -o tape_graph.svg\n", path, path);

  heading(4, "backward(L) walks the tape newest first");
  backward(loss);
  fmt::print("dL/dw = {:.6f}   dL/db = {:.6f}   (by hand: {:.6f}, {:.6f})\n", w.grad().item(),
             b.grad().item(), hand.dw, hand.db);
  claim(near(loss.item(), hand.loss) && near(w.grad().item(), hand.dw) &&
            near(b.grad().item(), hand.db),
        "the tape's gradients equal the hand-derived ones");
  fmt::print("x is a constant, so it gets no gradient: x.requires_grad() = {}\n",
             x.requires_grad());
  fmt::print("after backward the nodes are freed (retain_graph was not set):\n{}", tape_listing());
  fmt::print("(dL/dx by hand would be {:.6f}: mark x requires_grad_() to get it)\n", hand.dx);
}

// ---- 5. who owns what ---------------------------------------------------------------------------
// A custom op written the right way: y = e^x, backward g * y, with y saved WEAKLY.
Tensor exp_saving_output_weakly(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard no_grad;  // the forward itself must not record anything
    y = exp(x);
  }
  return record("my_exp", y, {x}, [saved = SavedTensor::output(y)](const Tensor& g) {
    return TensorList{mul(g, saved.get())};  // d e^x / dx = e^x = y
  });
}

// The same op written the WRONG way: the backward lambda owns y. y owns its node (grad_fn), the
// node owns the lambda, the lambda owns y: a cycle that reference counting can never free.
Tensor exp_saving_output_strongly(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard no_grad;
    y = exp(x);
  }
  Tensor y_handle = y;
  return record("leaky_exp", y, {x},
                [y_handle](const Tensor& g) { return TensorList{mul(g, y_handle)}; });
}

void ownership() {
  heading(5, "Who owns whom: why the tape holds nodes weakly");
  Tensor x = tensor({0.0, 1.0}, {2}, DType::f64).requires_grad_();
  const std::size_t before = tape_size();
  {
    Tensor y = sum(exp_saving_output_weakly(x));
    fmt::print("inside a scope, two live nodes: tape_size() = {}\n", tape_size() - before);
    backward(y);
    fmt::print("my_exp's gradient: {}   (e^x = [1, e])\n", x.grad());
    claim(near(x.grad().at({1}), std::exp(1.0)), "my_exp's gradient is e^x");
  }
  const std::size_t after_weak = tape_size() - before;
  fmt::print("after the scope, with y saved weakly: {} live nodes\n", after_weak);
  claim(after_weak == 0, "dropping the outputs frees the graph");

  std::weak_ptr<Node> leaked_node;
  {
    Tensor y = exp_saving_output_strongly(x);  // never used for a backward
    leaked_node = y.grad_fn();
  }
  const std::size_t after_strong = tape_size() - before;
  fmt::print("after the scope, with y captured strongly: {} live node (leaked: {})\n", after_strong,
             !leaked_node.expired());
  claim(after_strong == 1 && !leaked_node.expired(), "the strong capture leaks its node");
  if (std::shared_ptr<Node> node = leaked_node.lock()) node->backward = nullptr;  // cut the cycle
  fmt::print("cutting the cycle by hand (node->backward = nullptr) frees it: {} live nodes\n",
             tape_size() - before);
  claim(tape_size() == before, "cutting the cycle frees the node");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out_dir = argc > 1 ? argv[1] : ".";
  try {
    const HandGradients hand = by_hand();
    with_the_tape(hand, out_dir);
    ownership();
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(2);
}
