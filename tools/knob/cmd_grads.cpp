// `knob grads`: docs/spec.md §4 — one forward and backward of the reference transformer, written as
// a safetensors file (loss, logits, grad.<name>) for checking other implementations against.
// With --trace it also writes every intermediate activation and its gradient, with their
// forward order in the metadata (docs/gradient_trace.md), for `knob compare --first`.
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "ia3/adapter_file.h"
#include "ia3/trainable.h"
#include "nn/base/file_error.h"
#include "nn/base/path_identity.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/train/gradient_reference.h"

namespace knob::cli {

namespace {

struct GradsArgs {
  std::string model_dir;
  std::string batch;
  std::string out;
  std::string adapter;
  std::string trainable = "full";
  std::string dtype = "f64";
  bool trace = false;
};

DType parse_dtype(const std::string& text) {
  if (text == "f32") return DType::f32;
  if (text == "f64") return DType::f64;
  throw ValueError(fmt::format("--dtype: expected f32 or f64, got '{}'", text));
}

void run_grads(const GradsArgs& args) {
  const ia3::Trainable mode = ia3::parse_trainable(args.trainable);
  const DType dtype = parse_dtype(args.dtype);
  std::vector<nn::PathArgument> inputs =
      nn::directory_and_files("--model", args.model_dir, {"config.json", "model.safetensors"});
  inputs.push_back({"--batch", args.batch});
  inputs.push_back({"--adapter", args.adapter});
  nn::refuse_outputs_over_inputs(inputs, {{"--out", args.out}});
  std::shared_ptr<nn::Transformer> model = nn::load_model_dir(args.model_dir, dtype);
  if (!args.adapter.empty()) {
    ia3::load_adapter_into(*model, args.adapter);
  }
  const nn::SafetensorsFile batch = nn::read_safetensors(args.batch);
  for (const char* name : {"input_ids", "targets"}) {
    if (!batch.contains(name)) {
      throw nn::FileError(
          fmt::format("{}: no tensor named '{}' (a batch file holds input_ids "
                      "[B,T] and targets [B,T])",
                      args.batch, name));
    }
  }
  const Tensor ids = batch.at("input_ids");
  const Tensor targets = batch.at("targets");
  if (ids.dtype() != DType::i64 || targets.dtype() != DType::i64 || ids.dim() != 2 ||
      ids.shape() != targets.shape()) {
    throw nn::FileError(
        fmt::format("{}: input_ids {} {} and targets {} {} must both be integer [B,T]", args.batch,
                    dtype_name(ids.dtype()), shape_str(ids.shape()), dtype_name(targets.dtype()),
                    shape_str(targets.shape())));
  }
  std::map<std::string, std::string> metadata = {
      {"trainable", args.trainable}, {"dtype", args.dtype}, {"model", args.model_dir}};
  ia3::set_trainable(*model, mode);
  nn::NamedTensors result;
  if (args.trace) {
    nn::GradientTrace traced = nn::gradient_trace(*model, ids, targets);
    result = std::move(traced.tensors);
    metadata["trace_order"] = fmt::format("{}", fmt::join(traced.order, ","));
    metadata["parameter_order"] = fmt::format("{}", fmt::join(traced.parameters, ","));
  } else {
    result = nn::gradient_reference(*model, ids, targets);
  }
  nn::write_safetensors(args.out, result, metadata);
  fmt::print("loss {:.10g}; wrote {} tensors to {}\n", result.front().second.item(), result.size(),
             args.out);
}

}  // namespace

void add_grads_command(CLI::App& app) {
  auto args = std::make_shared<GradsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "grads",
      "One forward+backward of the reference transformer; writes loss, logits and "
      "grad.<name> (docs/spec.md §4)");
  cmd->add_option("--model", args->model_dir, "Model directory (config.json + model.safetensors)")
      ->required();
  cmd->add_option("--batch", args->batch, "Batch file with input_ids [B,T] and targets [B,T]")
      ->required();
  cmd->add_option("--out", args->out, "Output safetensors file")->required();
  cmd->add_option("--adapter", args->adapter, "IA³ adapter file (l_k, l_v, l_ff vectors)");
  cmd->add_option("--trainable", args->trainable, "full (base weights) or ia3 (IA³ vectors)")
      ->check(CLI::IsMember({"full", "ia3"}));
  cmd->add_option("--dtype", args->dtype, "f32 or f64 (default f64)")
      ->check(CLI::IsMember({"f32", "f64"}));
  cmd->add_flag("--trace", args->trace,
                "Also write every intermediate activation N and its gradient grad.N, in forward "
                "order (docs/gradient_trace.md), for `knob compare --first`");
  cmd->callback([args] { run_grads(*args); });
}

}  // namespace knob::cli
