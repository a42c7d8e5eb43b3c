// Lesson 10: sharing adapters. Merging IA³ vectors into the weights (and unmerging exactly),
// knob's adapter file, PEFT's directory format (adapter_config.json, [out,1] and [1,in] tensors),
// and several adapters on one base: a bank, and one mixed batch in which every example is served
// by its own adapter, equal to running the examples separately.
// Read tutorials/10_sharing_adapters/README.md alongside. Exits 1 if a claim is false.
//
// Usage: tutorial_10 [OUT_DIR]
//   OUT_DIR   where the adapter file and the PEFT directory go (default: the current folder)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tape.h"
#include "ia3/adapter.h"
#include "ia3/adapter_bank.h"
#include "ia3/adapter_config.h"
#include "ia3/adapter_file.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/layers/transformer.h"
#include "tasks/digit_tasks.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.to_vector() == b.to_vector();
}

bool all_bit_identical(const nn::NamedTensors& a, const nn::NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !bit_identical(a[i].second, b[i].second)) return false;
  }
  return true;
}

nn::NamedTensors clone_all(const nn::NamedTensors& tensors) {
  nn::NamedTensors out;
  for (const auto& [name, t] : tensors) out.emplace_back(name, t.clone());
  return out;
}

nn::NamedTensors sorted_by_name(nn::NamedTensors tensors) {
  std::sort(tensors.begin(), tensors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return tensors;
}

const Tensor& find(const nn::NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw ValueError("lesson 10: no tensor named " + name);
}

// Stand-ins for trained adapters: every vector 1 + 0.5 · N(0, 1), so some entries are negative
// and some far from one, as after training (lesson 09's adapter ends in about [-4, 5]).
nn::NamedTensors stand_in_vectors(const nn::NamedTensors& shapes_from, Generator& gen) {
  nn::NamedTensors out;
  for (const auto& [name, t] : shapes_from) {
    out.emplace_back(name, add_scalar(mul_scalar(randn(t.shape(), gen), 0.5), 1.0));
  }
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- 1. the base and its adapter ------------------------------------------------------------
struct Setup {
  std::shared_ptr<nn::Transformer> model;  // the base, with adapter A attached
  nn::NamedTensors base_weights;           // a copy of every base weight, taken first
  nn::NamedTensors vectors_a, vectors_b;   // two adapters' vectors
  Tensor ids;                              // a batch of digit-task token ids [6,13]
};

Setup set_up() {
  heading(1, "A base model and an adapter on it");
  Setup s;
  Generator init(1234);
  s.model = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, init);  // f32
  s.base_weights = clone_all(s.model->named_parameters());
  Generator data(5);
  s.ids = tasks::make_batch(tasks::parse_task_mix("copy,reverse,increment"), 6, 6, data,
                            tasks::Split::held_out)
              .input_ids;
  Generator gen(10);
  {
    // A throwaway adapter, only to learn the vectors' names and shapes.
    auto probe_model = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, init);
    const ia3::Adapter probe(probe_model, ia3::AdapterConfig::spec_default());
    s.vectors_a = stand_in_vectors(probe.vectors(), gen);
    s.vectors_b = stand_in_vectors(probe.vectors(), gen);
  }
  fmt::print(
      "base: {} parameters; two adapters A and B of {} vectors each, entries 1 + 0.5·N(0,1)\n",
      s.model->num_parameters(), s.vectors_a.size());
  return s;
}

// ---- 2. merge and unmerge -------------------------------------------------------------------
void merge_and_unmerge(const Setup& s, ia3::Adapter& adapter) {
  heading(2, "Merge: fold the vectors into the weights; unmerge: put the originals back");
  const nn::Transformer& model = *s.model;
  const Tensor unmerged = model.forward(s.ids);  // [6,13,32], IA³ applied as multiplications
  const Tensor l_k = find(adapter.vectors(), "blocks.0.attn.l_k").clone();        // [64]
  const Tensor l_ff = find(adapter.vectors(), "blocks.0.ffn.l_ff").clone();       // [256]
  const Tensor& k_weight0 = find(s.base_weights, "blocks.0.attn.k_proj.weight");  // [64,64]
  const Tensor& k_bias0 = find(s.base_weights, "blocks.0.attn.k_proj.bias");      // [64]
  const Tensor& down_weight0 = find(s.base_weights, "blocks.0.ffn.down.weight");  // [64,256]
  const Tensor& down_bias0 = find(s.base_weights, "blocks.0.ffn.down.bias");      // [64]

  adapter.merge();
  const Tensor merged = model.forward(s.ids);
  const Tensor k_weight = model.block(0).attn().k_proj().weight();
  // What merging must keep (ex12's contract), checked on random inputs rather than by the
  // formula: the merged layer alone computes what the base layer and its vector computed.
  Generator probe(11);
  const Tensor x_k = randn({8, 64}, probe);      // inputs of k_proj: [8,64]
  const Tensor x_down = randn({8, 256}, probe);  // inputs of ffn.down: [8,256]
  const double k_diff =
      max_abs_difference(model.block(0).attn().k_proj().forward(x_k),
                         mul(add(matmul_nt(x_k, k_weight0), k_bias0), l_k));  // l ⊙ (W x + b)
  const double down_diff = max_abs_difference(
      model.block(0).ffn().down().forward(x_down),
      add(matmul_nt(mul(x_down, l_ff), down_weight0), down_bias0));  // W (l ⊙ x) + b
  bool all_ones = true;
  for (const auto& [name, v] : adapter.vectors()) {
    all_ones = all_ones && bit_identical(v, ones_like(v));
  }
  fmt::print(
      "k_proj (output side): W' x + b' against l_k ⊙ (W x + b), 8 random x: max |diff| {:.1e}\n",
      k_diff);
  fmt::print(
      "ffn.down (input side): W' x + b' against W (l_ff ⊙ x) + b, 8 random x: max |diff| {:.1e}\n",
      down_diff);
  fmt::print("the model's l_k, l_v, l_ff are all ones now: {}\n", all_ones ? "yes" : "no");
  claim(k_diff < 1e-4 && down_diff < 1e-4 && all_ones,
        "the merged layers compute what the scaled ones did, and the vectors are ones");

  double largest_logit = 0.0;
  for (double v : unmerged.to_vector()) largest_logit = std::max(largest_logit, std::fabs(v));
  const double diff = max_abs_difference(merged, unmerged);
  fmt::print("logits merged vs unmerged: max |difference| {:.1e} (largest |logit| {:.2f})\n", diff,
             largest_logit);
  claim(diff > 0.0 && diff < 1e-4, "merged logits equal unmerged ones to float rounding");

  // A merged model is a plain model: load its weights into one without IA³ at all.
  Generator unused(0);
  nn::Transformer plain(model.config(), unused);
  plain.load_state_dict(nn::base_parameters(model));
  const bool plain_same = bit_identical(plain.forward(s.ids), merged);
  fmt::print("a model without IA3, given the merged weights: same logits bit for bit: {}\n",
             plain_same ? "yes" : "no");
  claim(plain_same, "a plain model with the merged weights computes the merged logits");

  // PEFT unmerges by dividing each merged entry by the entry of l that multiplied it (ex12 says
  // which; ex25 has you write it with the checks a tool needs). In float32 that does not give W
  // back.
  const Tensor divided = div(k_weight, reshape(l_k, {-1, 1}));
  std::int64_t off = 0;
  const std::vector<double> d = divided.to_vector(), w0 = k_weight0.to_vector();
  for (std::size_t i = 0; i < d.size(); ++i) off += d[i] != w0[i] ? 1 : 0;
  fmt::print(
      "unmerging by division, as PEFT does: {} of {} entries of W differ, by up to "
      "{:.1e}\n",
      off, d.size(), max_abs_difference(divided, k_weight0));
  claim(off > 0, "dividing by l does not give the original weights back exactly");

  adapter.unmerge();
  const bool weights_back = all_bit_identical(nn::base_parameters(model), s.base_weights);
  const bool logits_back = bit_identical(model.forward(s.ids), unmerged);
  fmt::print(
      "after unmerge(): every base weight bit-identical to the original: {}; logits "
      "bit-identical to before merging: {}\n",
      weights_back ? "yes" : "no", logits_back ? "yes" : "no");
  claim(weights_back && logits_back, "unmerge restores the weights and the logits exactly");
}

// ---- 3. folded layers: IA³ on any Linear, and the chain rule back to the vector
// ------------------ Central difference of the loss in one entry of one vector (the others as they
// are).
double numeric_derivative(ia3::Adapter& adapter, const std::function<double()>& loss,
                          const std::string& name, std::int64_t index, double eps) {
  NoGradGuard no_grad;
  const nn::NamedTensors original = clone_all(adapter.vectors());
  const auto loss_with = [&](double delta) {
    nn::NamedTensors moved = clone_all(original);
    for (auto& [n, t] : moved) {
      if (n == name) t.set({index}, t.at({index}) + delta);
    }
    adapter.load_vectors(moved);  // refresh(): the folded weights follow
    return loss();
  };
  const double derivative = (loss_with(eps) - loss_with(-eps)) / (2 * eps);
  adapter.load_vectors(original);
  return derivative;
}

void folded_layers() {
  heading(3, "Folding works on any Linear: q_proj, ffn.up (input side), head (float64)");
  Generator init(1234);
  auto model = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, init, DType::f64);
  ia3::AdapterConfig config;
  config.target_modules.names = {"q_proj", "ffn.up", "head"};
  config.feedforward_modules.names = {"ffn.up"};  // scale the input of ffn.up
  ia3::Adapter adapter(model, config);
  Generator gen(21);
  adapter.load_vectors(stand_in_vectors(adapter.vectors(), gen));
  for (const ia3::AdaptedLayer& layer : adapter.layers()) {
    fmt::print("  {:<28} {:<6} side  {:<6} built in: {}\n", layer.vector_name,
               layer.side == ia3::ScaledSide::output ? "output" : "input",
               shape_str(layer.vector.shape()), layer.built_in ? "yes" : "no");
  }
  Generator data(6);
  const tasks::Batch batch =
      tasks::make_batch(tasks::parse_task_mix("copy,reverse"), 4, 6, data, tasks::Split::train);
  // refresh(), loss, backward, then route_gradients(): W̄ → l̄ by the chain rule.
  adapter.forward_backward([&] { return model->loss(batch.input_ids, batch.targets); });
  const auto loss = [&] { return model->loss(batch.input_ids, batch.targets).item(); };
  fmt::print("  {:<28} {:>5} {:>16} {:>16} {:>9}\n", "vector", "entry", "routed grad", "numeric",
             "|diff|");
  double worst = 0.0;
  const std::vector<std::pair<std::string, std::int64_t>> entries = {
      {"blocks.0.attn.q_proj.ia3_l", 3}, {"blocks.1.ffn.up.ia3_l", 17}, {"head.ia3_l", 12}};
  for (const auto& [name, index] : entries) {
    const double routed = find(adapter.vectors(), name).grad().at({index});
    const double numeric = numeric_derivative(adapter, loss, name, index, 1e-6);
    worst = std::max(worst, std::fabs(routed - numeric));
    fmt::print("  {:<28} {:>5} {:>16.10f} {:>16.10f} {:>9.1e}\n", name, index, routed, numeric,
               std::fabs(routed - numeric));
  }
  claim(worst < 1e-7, "the routed gradients of folded vectors match central differences");
  fmt::print(
      "base_unchanged(): {} (the folded layers hold the merged weights; W0 and b0 are kept "
      "apart, untouched)\n",
      adapter.base_unchanged() ? "yes" : "NO");
  claim(adapter.base_unchanged(), "folding never changes the saved originals");
}

// ---- 4. knob's adapter file ---------------------------------------------------------------
ia3::AdapterFile save_and_load(const Setup& s, const ia3::Adapter& adapter,
                               const std::filesystem::path& out) {
  heading(4, "knob's adapter file: one safetensors file");
  const std::string path = (out / "lesson10_adapter.safetensors").string();
  ia3::save_adapter(path, {adapter.vectors(), adapter.config(), s.model->config()});
  fmt::print("wrote {} ({} bytes: {} floats of data and a header)\n", path,
             std::filesystem::file_size(path), 768);
  const nn::SafetensorsFile raw = nn::read_safetensors(path);
  for (const auto& [name, t] : raw.tensors) {
    fmt::print("  {:<20} {:<6} {}\n", name, shape_str(t.shape()), dtype_name(t.dtype()));
  }
  fmt::print("  __metadata__:\n");
  for (const auto& [key, value] : raw.metadata) {
    std::string one_line;  // the base config is pretty-printed JSON: show it on one line
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\n') {
        while (i + 1 < value.size() && value[i + 1] == ' ') ++i;
        if (one_line.back() != '{' && one_line.back() != '[') one_line += ' ';
        continue;
      }
      one_line += value[i];
    }
    fmt::print("    {:<20} {}\n", key,
               one_line.size() <= 64 ? one_line : one_line.substr(0, 60) + " ...");
  }
  const ia3::AdapterFile loaded = ia3::load_adapter(path);
  const bool same = all_bit_identical(loaded.vectors, sorted_by_name(adapter.vectors()));
  const bool same_base = loaded.base_config && *loaded.base_config == s.model->config();
  fmt::print("loaded back: vectors bit-identical: {}; base config equal: {}\n", same ? "yes" : "no",
             same_base ? "yes" : "no");
  claim(same && same_base, "the adapter file round-trips exactly");
  return loaded;
}

// ---- 5. PEFT's format --------------------------------------------------------------------
void peft_round_trip(const ia3::AdapterFile& file, const std::filesystem::path& out) {
  heading(5, "PEFT's format: adapter_config.json and adapter_model.safetensors");
  const std::filesystem::path dir = out / "lesson10_peft";
  ia3::export_peft(file, dir.string());
  fmt::print("wrote {}/\n{}/adapter_config.json:\n{}", dir.string(), dir.string(),
             read_text(dir / "adapter_config.json"));
  const nn::SafetensorsFile raw =
      nn::read_safetensors((dir / "adapter_model.safetensors").string());
  fmt::print("{}/adapter_model.safetensors:\n", dir.string());
  bool shapes_right = true;
  for (const auto& [name, t] : raw.tensors) {
    fmt::print("  {:<46} {}\n", name, shape_str(t.shape()));
    const bool feedforward = name.find(".ffn.down.") != std::string::npos;
    shapes_right = shapes_right && (feedforward ? t.size(0) == 1 : t.size(1) == 1);
  }
  claim(shapes_right && raw.tensors.size() == 6,
        "PEFT's tensors are [out,1] for k_proj, v_proj and [1,in] for ffn.down");
  const ia3::AdapterFile imported = ia3::import_peft(dir.string());
  const bool same = all_bit_identical(imported.vectors, file.vectors);
  fmt::print("import_peft: {} vectors back under knob's names, bit-identical: {}\n",
             imported.vectors.size(), same ? "yes" : "no");
  claim(same, "export_peft then import_peft gives the same vectors");
}

// ---- 6. several adapters, one base, one mixed batch ----------------------------------------
void bank_and_mixed_batch(const Setup& s, const ia3::AdapterFile& file) {
  heading(6, "Several adapters on one base, and one mixed batch");
  Generator unused(0);
  auto served = std::make_shared<nn::Transformer>(s.model->config(), unused);
  served->load_state_dict(s.base_weights);  // the same base, without any adapter yet
  const Tensor base_logits = served->forward(s.ids);
  ia3::AdapterBank bank(served);
  bank.add("A", file.vectors);  // from the file of section 4
  bank.add("B", s.vectors_b);
  fmt::print("bank: {} adapters ({}) on one base of {} numbers; each adapter is {} numbers\n",
             bank.names().size(), fmt::join(bank.names(), ", "), served->num_parameters() - 768,
             768);

  bank.select("A");
  const Tensor a_logits = served->forward(s.ids);
  bank.select("");
  const bool none_is_base = bit_identical(served->forward(s.ids), base_logits);
  fmt::print("select(\"\"): the base model bit for bit: {}\n", none_is_base ? "yes" : "no");
  claim(none_is_base, "selecting no adapter gives the base model exactly");

  // One pass: row b is scaled by the vectors of adapter per_row[b] (ones for "").
  const std::vector<std::string> per_row = {"", "A", "B", "A", "", "B"};
  const Tensor mixed = bank.forward_mixed(s.ids, per_row);  // [6,13,32]
  fmt::print("forward_mixed(ids {}, {{\"\", A, B, A, \"\", B}}) → logits {}\n",
             shape_str(s.ids.shape()), shape_str(mixed.shape()));
  fmt::print("  row  adapter  max |mixed - the row run alone with its adapter|\n");
  double worst = 0.0;
  for (std::size_t row = 0; row < per_row.size(); ++row) {
    bank.select(per_row[row]);
    const auto b = static_cast<std::int64_t>(row);
    const Tensor alone = served->forward(slice(s.ids, 0, b, 1));  // [1,13,32]
    const double diff = max_abs_difference(slice(mixed, 0, b, 1), alone);
    worst = std::max(worst, diff);
    fmt::print("  {:>3}  {:<7}  {:.1e}\n", row, per_row[row].empty() ? "(none)" : per_row[row],
               diff);
  }
  // The same comparison without any adapter: the base on the batch of 6 against the base on one
  // row at a time. Differences of this size come from batching alone.
  bank.select("");
  double batching = 0.0;
  for (std::int64_t b = 0; b < s.ids.size(0); ++b) {
    batching = std::max(batching, max_abs_difference(slice(base_logits, 0, b, 1),
                                                     served->forward(slice(s.ids, 0, b, 1))));
  }
  fmt::print(
      "largest difference: {:.1e}  (the base alone, batch of 6 against one row at a time: "
      "{:.1e})\n",
      worst, batching);
  claim(worst < 1e-5, "the mixed batch equals separate runs to float rounding");

  // Same batch size, no rounding difference: run all 6 rows under each adapter in turn and keep
  // the rows that belong to it.
  double same_batch = 0.0;
  for (const std::string& name : {std::string(), std::string("A"), std::string("B")}) {
    bank.select(name);
    const Tensor all_rows = served->forward(s.ids);  // [6,13,32], every row with `name`
    for (std::size_t row = 0; row < per_row.size(); ++row) {
      if (per_row[row] != name) continue;
      const auto b = static_cast<std::int64_t>(row);
      same_batch =
          std::max(same_batch, max_abs_difference(slice(mixed, 0, b, 1), slice(all_rows, 0, b, 1)));
    }
  }
  bank.select("");
  fmt::print(
      "against the whole batch run once per adapter (rows of that adapter kept): max "
      "|difference| {:.1e}\n",
      same_batch);
  claim(same_batch == 0.0, "at the same batch size the mixed batch is bit-identical");

  // And the bank's A is the adapter of sections 1 and 2: same logits as the adapted model.
  const double vs_adapter = max_abs_difference(a_logits, s.model->forward(s.ids));
  fmt::print(
      "bank with A selected vs the model with adapter A attached: max |difference| "
      "{:.1e}\n",
      vs_adapter);
  claim(vs_adapter == 0.0, "the bank's adapter A computes what the attached adapter computes");
}

void run(const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  Setup s = set_up();
  const Tensor base_logits = s.model->forward(s.ids);
  ia3::Adapter adapter(s.model, ia3::AdapterConfig::spec_default());  // vectors at ones
  adapter.load_vectors(s.vectors_a);                                  // now adapter A
  fmt::print(
      "adapter A attached (ia3::Adapter, the default of docs/spec.md): logits {} move by up to "
      "{:.2f}\n",
      shape_str(base_logits.shape()), max_abs_difference(s.model->forward(s.ids), base_logits));
  merge_and_unmerge(s, adapter);
  folded_layers();
  const ia3::AdapterFile file = save_and_load(s, adapter, out);
  peft_round_trip(file, out);
  bank_and_mixed_batch(s, file);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    run(argc > 1 ? argv[1] : ".");
  } catch (const std::exception& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(10);
}
