// `knob export-peft` / `knob import-peft`: IA³ adapters to and from PEFT's directory format.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "ia3_commands.h"
#include "nn/base/file_error.h"
#include "nn/base/path_identity.h"
#include "nn/base/staged_directory.h"
#include "nn/io/model_dir.h"

namespace knob::cli {

namespace {

struct ExportArgs {
  std::string adapter;
  std::string out;
};

struct ImportArgs {
  std::string in;
  std::string out;
  std::string model;
};

// The files of a PEFT directory, written (and replaced) together.
const std::vector<std::string> kPeftFiles = {"adapter_config.json", "adapter_model.safetensors"};

void run_export(const ExportArgs& a) {
  nn::refuse_outputs_over_inputs({{"--adapter", a.adapter}},
                                 nn::directory_and_files("--out", a.out, kPeftFiles));
  nn::StagedDirectory out(a.out, kPeftFiles);
  const ia3::AdapterFile adapter = ia3::load_adapter(a.adapter);
  ia3::export_peft(adapter, out.path());
  out.commit();
  fmt::print("wrote {}/adapter_config.json and {}/adapter_model.safetensors ({} vectors)\n", a.out,
             a.out, adapter.vectors.size());
}

void run_import(const ImportArgs& a) {
  std::vector<nn::PathArgument> inputs = nn::directory_and_files("--in", a.in, kPeftFiles);
  for (const nn::PathArgument& model_input :
       nn::directory_and_files("--model", a.model, {"config.json", "model.safetensors"})) {
    inputs.push_back(model_input);
  }
  nn::refuse_outputs_over_inputs(inputs, {{"--out", a.out}});
  ia3::AdapterFile adapter = ia3::import_peft(a.in);
  if (!a.model.empty()) {
    // Check every vector against the base model by attaching the adapter to it.
    auto model = nn::load_model_dir(a.model);
    try {
      ia3::Adapter attached(model, adapter.config);
      attached.load_vectors(adapter.vectors);
    } catch (const Error& e) {
      throw FileError(a.in, fmt::format("does not fit the model in {}: {}", a.model, e.what()));
    }
    adapter.base_config = model->config();
  }
  ia3::save_adapter(a.out, adapter);
  fmt::print("wrote {} ({} vectors{})\n", a.out, adapter.vectors.size(),
             adapter.base_config ? ", with the base config" : "");
}

}  // namespace

void add_export_peft_command(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export-peft",
                                     "Convert a knob IA³ adapter file to PEFT's directory format");
  cmd->add_option("--adapter", a->adapter, "knob adapter (.safetensors)")->required();
  cmd->add_option("--out", a->out, "Directory to write (created if needed)")->required();
  cmd->callback([a] { run_export(*a); });
}

void add_import_peft_command(CLI::App& app) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import-peft",
                                     "Convert PEFT's IA3 directory format to a knob adapter file");
  cmd->add_option("--in", a->in, "PEFT directory (adapter_config.json, adapter_model.safetensors)")
      ->required();
  cmd->add_option("--out", a->out, "knob adapter file to write (.safetensors)")->required();
  cmd->add_option("--model", a->model,
                  "Base model directory: check the vectors against it and record its config");
  cmd->callback([a] { run_import(*a); });
}

}  // namespace knob::cli
