// Lesson 04: a multi-layer perceptron on two interleaved spirals. nn::Linear layers, tanh,
// cross-entropy, the backward derived by hand and checked against the tape, plain SGD against
// SGD with momentum, and a picture of the decision boundary.
// Read tutorials/04_mlp/README.md alongside. Exits 1 if anything the lesson claims is false.
//
// Usage: tutorial_04 [--quick] [OUT_DIR]
//   --quick   20 training steps instead of 3000 (what ctest runs)
//   OUT_DIR   where mlp_spirals.svg goes (default: the current folder)
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"
#include "nn/optim/sgd.h"
#include "nn/train/svg_plot.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// ---- the data: two interleaved spirals ------------------------------------------------------
struct Dataset {
  Tensor points;  // [N,2] f32: (x, y) of each point
  Tensor labels;  // [N] i64: 0 or 1, which spiral
};

// `per_class` points on each of two spirals. Point i of class c sits at radius r = 0.1 + 0.9 s
// and angle 3πs + cπ, for s drawn uniformly in [0, 1): one and a half turns, the second spiral
// the first one turned by half a circle. A little Gaussian noise blurs the arms.
Dataset make_spirals(int per_class, std::uint64_t seed) {
  Generator gen(seed);
  const double pi = std::numbers::pi;
  std::vector<double> xy;
  std::vector<std::int64_t> labels;
  for (int c = 0; c < 2; ++c) {
    for (int i = 0; i < per_class; ++i) {
      const double s = gen.uniform();
      const double radius = 0.1 + 0.9 * s;
      const double angle = 3.0 * pi * s + c * pi;
      xy.push_back(radius * std::cos(angle) + 0.04 * gen.normal());
      xy.push_back(radius * std::sin(angle) + 0.04 * gen.normal());
      labels.push_back(c);
    }
  }
  const std::int64_t n = 2 * per_class;
  return {tensor(xy, {n, 2}, DType::f32), int_tensor(labels, {n})};
}

// ---- the model ------------------------------------------------------------------------------
// 2 → hidden → hidden → 2, with tanh between the layers. Registering the layers as submodules
// gives the parameters their names (layer1.weight, ...) and lets named_parameters() find them.
class Mlp : public nn::Module {
 public:
  Mlp(std::int64_t hidden, Generator& gen, DType dtype = DType::f32) {
    layer1_ = register_module("layer1", std::make_shared<nn::Linear>(2, hidden, gen, dtype));
    layer2_ = register_module("layer2", std::make_shared<nn::Linear>(hidden, hidden, gen, dtype));
    layer3_ = register_module("layer3", std::make_shared<nn::Linear>(hidden, 2, gen, dtype));
  }
  std::string type_name() const override { return "Mlp"; }

  // The layer outputs a student needs for the hand-written backward.
  struct Activations {
    Tensor h1;      // [N,H] tanh(x W1ᵀ + b1)
    Tensor h2;      // [N,H] tanh(h1 W2ᵀ + b2)
    Tensor logits;  // [N,2] h2 W3ᵀ + b3
  };

  Activations forward_all(const Tensor& x) const {  // x: [N,2]
    Activations a;
    a.h1 = tanh(layer1_->forward(x));     // [N,H]
    a.h2 = tanh(layer2_->forward(a.h1));  // [N,H]
    a.logits = layer3_->forward(a.h2);    // [N,2]
    return a;
  }
  Tensor forward(const Tensor& x) const { return forward_all(x).logits; }

  const nn::Linear& layer1() const { return *layer1_; }
  const nn::Linear& layer2() const { return *layer2_; }
  const nn::Linear& layer3() const { return *layer3_; }

 private:
  std::shared_ptr<nn::Linear> layer1_, layer2_, layer3_;
};

constexpr std::int64_t kHidden = 32;

// Index of the larger logit of each row: the predicted class.
std::vector<std::int64_t> predict(const Mlp& model, const Tensor& points) {
  NoGradGuard no_grad;                          // evaluation only: record nothing
  const Tensor logits = model.forward(points);  // [N,2]
  const std::vector<double> z = logits.to_vector();
  std::vector<std::int64_t> classes(static_cast<std::size_t>(points.size(0)));
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = z[2 * i + 1] > z[2 * i] ? 1 : 0;
  return classes;
}

double accuracy(const Mlp& model, const Dataset& data) {
  const std::vector<std::int64_t> predicted = predict(model, data.points);
  const std::vector<std::int64_t> truth = data.labels.to_int_vector();
  int right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(truth.size());
}

// ---- 1. the data and the untrained model ----------------------------------------------------
void show_data_and_model(const Dataset& train) {
  heading(1, "Two spirals and an untrained MLP");
  fmt::print("training points: {} (shape {}), labels shape {}\n", train.points.size(0),
             shape_str(train.points.shape()), shape_str(train.labels.shape()));
  Generator gen(7);
  Mlp model(kHidden, gen);
  fmt::print("{}", model.summary());
  NoGradGuard no_grad;
  const double loss = cross_entropy(model.forward(train.points), train.labels).item();
  fmt::print("untrained: loss {:.4f} (ln 2 = {:.4f}: a coin flip), accuracy {:.1f}%\n", loss,
             std::log(2.0), 100.0 * accuracy(model, train));
  claim(std::fabs(loss - std::log(2.0)) < 0.1, "an untrained model's loss is close to ln 2");
  claim(model.num_parameters() ==
            2 * kHidden + kHidden + kHidden * kHidden + kHidden + kHidden * 2 + 2,
        "the parameter count is 3H + H^2 + H + 2H + 2");
}

// ---- 2./3. the backward by hand, checked against the tape -----------------------------------
struct HandGradients {
  Tensor w1, b1, w2, b2, w3, b3;
};

// The chain rule through the MLP, newest layer first, written with knob ops but without the
// tape (everything here runs under a NoGradGuard).
HandGradients backward_by_hand(const Mlp& model, const Tensor& x, const Tensor& labels) {
  NoGradGuard no_grad;
  const Mlp::Activations a = model.forward_all(x);
  const std::int64_t n = x.size(0);
  // Cross-entropy: dL/dz = (softmax(z) - onehot(t)) / N.
  Tensor onehot = zeros({n, 2}, x.dtype());  // [N,2]
  const std::vector<std::int64_t> t = labels.to_int_vector();
  for (std::int64_t i = 0; i < n; ++i) onehot.set({i, t[static_cast<std::size_t>(i)]}, 1.0);
  Tensor dz = (softmax(a.logits, -1) - onehot) / static_cast<double>(n);  // [N,2]
  HandGradients g;
  // Layer 3, z = h2 W3ᵀ + b3:  dW3 = dzᵀ h2, db3 = Σ_rows dz, dh2 = dz W3.
  g.w3 = matmul_tn(dz, a.h2);                        // [2,N]·[N,H] → [2,H]
  g.b3 = sum(dz, {0});                               // [2]
  Tensor dh2 = matmul(dz, model.layer3().weight());  // [N,2]·[2,H] → [N,H]
  // tanh: h2 = tanh(u2), so du2 = dh2 ⊙ (1 - h2²).
  Tensor du2 = dh2 * (1.0 - a.h2 * a.h2);             // [N,H]
  g.w2 = matmul_tn(du2, a.h1);                        // [H,H]
  g.b2 = sum(du2, {0});                               // [H]
  Tensor dh1 = matmul(du2, model.layer2().weight());  // [N,H]
  Tensor du1 = dh1 * (1.0 - a.h1 * a.h1);             // [N,H]
  g.w1 = matmul_tn(du1, x);                           // [H,N]·[N,2] → [H,2]
  g.b1 = sum(du1, {0});                               // [H]
  return g;
}

void check_the_backward(const Dataset& train) {
  heading(2, "The backward by hand against the tape (float64)");
  Generator gen(7);
  Mlp model(kHidden, gen, DType::f64);           // float64, so that the two can agree to ~1e-16
  const Tensor x = train.points.to(DType::f64);  // [N,2]
  Tensor loss = cross_entropy(model.forward(x), train.labels);
  backward(loss);
  const HandGradients hand = backward_by_hand(model, x, train.labels);
  const std::vector<std::pair<std::string, Tensor>> pairs = {
      {"layer1.weight", hand.w1}, {"layer1.bias", hand.b1},   {"layer2.weight", hand.w2},
      {"layer2.bias", hand.b2},   {"layer3.weight", hand.w3}, {"layer3.bias", hand.b3}};
  double worst = 0.0;
  for (const auto& [name, by_hand] : pairs) {
    const Tensor from_tape = model.parameter(name).grad();
    const double diff = max_abs_difference(from_tape, by_hand);
    worst = std::max(worst, diff);
    fmt::print("  {:<14} {:<8} max |tape - hand| = {:.1e}\n", name, shape_str(from_tape.shape()),
               diff);
  }
  claim(worst < 1e-14, "the hand-derived gradients equal the tape's to 1e-14");
}

// An independent check of the same derivation: central differences (lesson 03) on every weight.
void gradcheck_the_mlp(const Dataset& train) {
  heading(3, "gradcheck: the loss against every parameter, by central differences");
  Generator gen(7);
  Mlp model(kHidden, gen, DType::f64);
  const Tensor x = slice(train.points, 0, 0, 8).to(DType::f64);  // 8 points: [8,2]
  const Tensor labels = slice(train.labels, 0, 0, 8);            // [8]
  const std::vector<Tensor> params = model.parameters();         // the model's own tensors
  // gradcheck nudges each input in place; the inputs here ARE the model's weights, so the
  // function can simply run the model.
  const GradcheckResult r =
      gradcheck([&](const TensorList&) { return cross_entropy(model.forward(x), labels); },
                TensorList(params.begin(), params.end()));
  fmt::print("{} parameters checked on 8 points, max abs error {:.1e}: {}\n", r.compared,
             r.max_abs_error, r.passed ? "pass" : "FAIL");
  claim(r.passed && r.compared == model.num_parameters(), "gradcheck passes on all 1218 weights");
}

// ---- 4. training: plain SGD against SGD with momentum ---------------------------------------
struct Run {
  std::vector<double> losses;  // loss at every step
  double train_accuracy = 0.0;
  double test_accuracy = 0.0;
};

// Full-batch training: every step uses all points. Returns the loss of every step.
Run train(Mlp& model, const Dataset& train_set, const Dataset& test_set, std::int64_t steps,
          double lr, double momentum) {
  nn::SGD optimizer(model.named_parameters(), lr, momentum);
  Run run;
  for (std::int64_t step = 0; step < steps; ++step) {
    optimizer.zero_grad();  // forget last step
    Tensor loss = cross_entropy(model.forward(train_set.points), train_set.labels);  // scalar
    backward(loss);    // fill p.grad()
    optimizer.step();  // p -= lr * ...
    run.losses.push_back(loss.item());
  }
  run.train_accuracy = accuracy(model, train_set);
  run.test_accuracy = accuracy(model, test_set);
  return run;
}

struct Trained {
  std::shared_ptr<Mlp> model;
  Run sgd, sgd_big, momentum;
};

// What the loss of every step shows, beyond the rows of the table.
struct LossFacts {
  std::optional<std::size_t> below_tenth;      // first step with loss < 0.1
  std::optional<std::size_t> below_hundredth;  // first step with loss < 0.01
  std::size_t rise_step = 0;                   // the step whose loss rose most over the one before
  double rise = 0.0;                           // by how much (0: the loss never rose)
};

LossFacts loss_facts(const std::vector<double>& losses) {
  LossFacts facts;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    if (!facts.below_tenth && losses[i] < 0.1) facts.below_tenth = i;
    if (!facts.below_hundredth && losses[i] < 0.01) facts.below_hundredth = i;
    if (i > 0 && losses[i] - losses[i - 1] > facts.rise) {
      facts.rise = losses[i] - losses[i - 1];
      facts.rise_step = i;
    }
  }
  return facts;
}

// One line per run: when its loss first fell below 0.1 and 0.01, and its largest rise in one
// step, looked for in the loss of every step (a spike of a few steps falls between the rows).
void print_loss_facts(const std::vector<std::pair<const char*, const Run*>>& runs) {
  fmt::print("every step's loss, not only the rows above:\n");
  fmt::print("  {:<16} {:>17} {:>18}  {}\n", "run", "first step < 0.1", "first step < 0.01",
             "largest rise in one step");
  const auto step_or_never = [](std::optional<std::size_t> step) {
    return step ? fmt::format("{}", *step) : std::string("never");
  };
  for (const auto& [name, run] : runs) {
    const LossFacts f = loss_facts(run->losses);
    const std::string rise =
        f.rise > 0.0 ? fmt::format("step {:>4}: {:.4f} → {:.4f}", f.rise_step,
                                   run->losses[f.rise_step - 1], run->losses[f.rise_step])
                     : std::string("none: it only falls");
    fmt::print("  {:<16} {:>17} {:>18}  {}\n", name, step_or_never(f.below_tenth),
               step_or_never(f.below_hundredth), rise);
  }
}

Trained train_three(const Dataset& train_set, const Dataset& test_set, std::int64_t steps,
                    std::int64_t print_every) {
  heading(4, "Training: plain SGD against SGD with momentum (same start)");
  const double lr = 0.1;
  // The same seed for all three: every model starts from the same weights.
  Generator gen_a(7), gen_b(7), gen_c(7);
  auto plain = std::make_shared<Mlp>(kHidden, gen_a);
  auto plain_big_lr = std::make_shared<Mlp>(kHidden, gen_b);
  auto with_momentum = std::make_shared<Mlp>(kHidden, gen_c);
  Trained out;
  out.model = with_momentum;
  out.sgd = train(*plain, train_set, test_set, steps, lr, 0.0);
  out.sgd_big = train(*plain_big_lr, train_set, test_set, steps, 10 * lr, 0.0);
  out.momentum = train(*with_momentum, train_set, test_set, steps, lr, 0.9);
  fmt::print("full batch ({} points), {} steps; loss every {} steps:\n", train_set.points.size(0),
             steps, print_every);
  fmt::print("  {:>6}  {:>12}  {:>12}  {:>18}\n", "step", "SGD lr 0.1", "SGD lr 1",
             "lr 0.1 mom. 0.9");
  auto row = [&](std::int64_t step) {
    const auto i = static_cast<std::size_t>(step);
    fmt::print("  {:>6}  {:>12.4f}  {:>12.4f}  {:>18.4f}\n", step, out.sgd.losses[i],
               out.sgd_big.losses[i], out.momentum.losses[i]);
  };
  for (std::int64_t step = 0; step < steps; step += print_every) row(step);
  row(steps - 1);
  const std::vector<std::pair<const char*, const Run*>> runs = {
      {"SGD lr 0.1", &out.sgd}, {"SGD lr 1", &out.sgd_big}, {"lr 0.1 mom. 0.9", &out.momentum}};
  for (const auto& [name, run] : runs) {
    fmt::print("{:<16} accuracy: train {:5.1f}%, held-out {:5.1f}%\n", name,
               100 * run->train_accuracy, 100 * run->test_accuracy);
  }
  print_loss_facts(runs);
  claim(out.momentum.losses.back() < out.momentum.losses.front(), "training lowers the loss");
  return out;
}

// What the README says about the full run. The run with lr 1 is chaotic (its spike comes at a
// different step on each kernel path), so these claims are about its shape, not its numbers.
void check_training_claims(const Trained& t) {
  claim(t.sgd.losses.back() > 0.5, "plain SGD with lr 0.1 is still near a coin flip at the end");
  const LossFacts big = loss_facts(t.sgd_big.losses), mom = loss_facts(t.momentum.losses);
  claim(big.below_tenth && big.rise > 1.0 && big.rise_step > *big.below_tenth,
        "SGD with lr 1, after its loss fell below 0.1, has a spike: a rise by more than 1 in "
        "one step");
  claim(t.sgd_big.losses.back() < 0.01,
        "SGD with lr 1 recovers from its spike (final loss < 0.01)");
  claim(mom.rise < 0.01, "the loss with momentum falls smoothly (no rise by 0.01 in any step)");
  claim(
      mom.below_hundredth && (!big.below_hundredth || *mom.below_hundredth < *big.below_hundredth),
      "momentum gets below 0.01 first");
  claim(t.momentum.test_accuracy >= 0.95, "momentum reaches >= 95% held-out accuracy");
}

// ---- 5. the picture -------------------------------------------------------------------------
void draw_decision_boundary(const Mlp& model, const Dataset& train_set, const std::string& out_dir,
                            double test_accuracy) {
  heading(5, "The decision boundary");
  nn::RegionGrid grid;
  grid.x_min = grid.y_min = -1.25;
  grid.x_max = grid.y_max = 1.25;
  grid.nx = grid.ny = 120;  // the picture's plot area is 480 px square: 4 px per cell
  // The centre of every cell, bottom row first, as one batch of points [nx*ny, 2].
  std::vector<double> centres;
  for (std::int64_t iy = 0; iy < grid.ny; ++iy) {
    for (std::int64_t ix = 0; ix < grid.nx; ++ix) {
      centres.push_back(grid.x_min + (ix + 0.5) * (grid.x_max - grid.x_min) / grid.nx);
      centres.push_back(grid.y_min + (iy + 0.5) * (grid.y_max - grid.y_min) / grid.ny);
    }
  }
  grid.classes = predict(model, tensor(centres, {grid.nx * grid.ny, 2}, DType::f32));
  nn::LabeledPoints points;
  const std::vector<double> xy = train_set.points.to_vector();
  for (std::size_t i = 0; i < xy.size() / 2; ++i) {
    points.xs.push_back(xy[2 * i]);
    points.ys.push_back(xy[2 * i + 1]);
  }
  points.labels = train_set.labels.to_int_vector();
  std::filesystem::create_directories(out_dir);
  const std::string path = (std::filesystem::path(out_dir) / "mlp_spirals.svg").string();
  nn::scatter_regions(path,
                      fmt::format("MLP 2-{}-{}-2 on two spirals (held-out accuracy {:.1f}%)",
                                  kHidden, kHidden, 100 * test_accuracy),
                      grid, points, {"spiral A", "spiral B"});
  fmt::print("{} x {} grid classified in one batch of {} points\n", grid.nx, grid.ny,
             grid.nx * grid.ny);
  fmt::print("wrote {} (open it in a web browser)\n", path);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string out_dir = ".";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else {
      out_dir = arg;
    }
  }
  try {
    const Dataset train_set = make_spirals(200, 1);  // 400 points to learn from
    const Dataset test_set = make_spirals(200, 2);   // 400 others, never trained on
    show_data_and_model(train_set);
    check_the_backward(train_set);
    gradcheck_the_mlp(train_set);
    const std::int64_t steps = quick ? 20 : 3000;
    const Trained trained = train_three(train_set, test_set, steps, quick ? 5 : 250);
    if (!quick) check_training_claims(trained);
    draw_decision_boundary(*trained.model, train_set, out_dir, trained.momentum.test_accuracy);
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(4);
}
