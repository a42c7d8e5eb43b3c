// Outputs never clobber inputs or follow links outside: every knob command with inputs and outputs
// refuses an output that is one of its inputs (by name, through a hard link, through a symbolic
// link), and an existing symbolic link at an output path is replaced, never written through.
// Runs the real knob program (KNOB_PROGRAM) on a tiny model directory.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ia3/adapter_file.h"
#include "knob_process.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

class OutputPaths : public ModelAndBatch {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#endif
    ModelAndBatch::SetUp();
    const nn::TransformerConfig c = tiny_config();
    const ia3::AdapterFile adapter{{{"blocks.0.attn.l_k", full({c.d_model}, 0.5)},
                                    {"blocks.0.attn.l_v", full({c.d_model}, 1.5)},
                                    {"blocks.0.ffn.l_ff", full({c.d_ff}, 2.0)}},
                                   ia3::AdapterConfig::spec_default(),
                                   c};
    ia3::save_adapter(path("adapter.safetensors"), adapter);
    ia3::export_peft(adapter, path("peft"));
    for (const std::string& file : inputs_) saved_[file] = file_content(path(file));
  }

  void TearDown() override {
    for (const auto& [file, content] : saved_) {
      EXPECT_EQ(file_content(path(file)), content) << file << " was changed";
    }
    ScratchDir::TearDown();
  }

  KnobRun knob(const std::vector<std::string>& args) { return run_knob(args, path("log")); }

  std::vector<std::string> grads(const std::string& out) {
    return {"grads",
            "--model",
            path("model"),
            "--batch",
            path("batch.safetensors"),
            "--out",
            out,
            "--adapter",
            path("adapter.safetensors")};
  }

  const std::vector<std::string> inputs_ = {
      "model/config.json",   "model/model.safetensors",  "batch.safetensors",
      "adapter.safetensors", "peft/adapter_config.json", "peft/adapter_model.safetensors"};
  std::map<std::string, std::string> saved_;  // every input's content, checked at the end
};

TEST_F(OutputPaths, GradsRefusesEachOfItsInputs) {
  EXPECT_TRUE(failed_cleanly(knob(grads(path("batch.safetensors"))), "also the input --batch"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("adapter.safetensors"))), "also the input --adapter"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("model/model.safetensors"))),
                             "also the input --model (model.safetensors)"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("model/./config.json"))), "also the input --model"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("model"))), "also the input --model"));
}

TEST_F(OutputPaths, IdentityIsComparedThroughHardAndSymbolicLinks) {
  fs::create_hard_link(path("batch.safetensors"), path("hard.safetensors"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("hard.safetensors"))), "also the input --batch"));
  fs::create_symlink(path("batch.safetensors"), path("soft.safetensors"));
  EXPECT_TRUE(failed_cleanly(knob(grads(path("soft.safetensors"))), "also the input --batch"));
  fs::create_directory_symlink(path("model"), path("model-link"));
  EXPECT_TRUE(
      failed_cleanly(knob(grads(path("model-link/model.safetensors"))), "also the input --model"));
}

TEST_F(OutputPaths, FinetuneRefusesToWriteOverTheModel) {
  const std::vector<std::string> common = {"finetune", "--model",     path("model"), "--steps",
                                           "1",        "--batch",     "2",           "--digits",
                                           "1",        "--eval-rows", "4",           "-q"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    return knob(args);
  };
  EXPECT_TRUE(
      failed_cleanly(with({"--method", "full", "--out", path("model")}), "also the input --model"));
  EXPECT_TRUE(failed_cleanly(with({"--method", "full", "--out", path("model/")}),
                             "also the input --model"));
  EXPECT_TRUE(failed_cleanly(with({"--out", path("model/model.safetensors")}),
                             "also the input --model (model.safetensors)"));
  EXPECT_TRUE(failed_cleanly(with({"--out", path("model/config.json")}),
                             "also the input --model (config.json)"));
}

TEST_F(OutputPaths, TrainRefusesToWriteOverItsConfigOrCheckpoint) {
  write_text(path("model/extra.json"), tiny_config().to_json());
  saved_["model/extra.json"] = file_content(path("model/extra.json"));
  const std::vector<std::string> train = {"train", "--steps",  "2", "--batch",
                                          "2",     "--digits", "1", "-q"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = train;
    args.insert(args.end(), extra.begin(), extra.end());
    return knob(args);
  };
  EXPECT_TRUE(failed_cleanly(with({"--config", path("model/config.json"), "--out", path("model")}),
                             "--out (config.json) is also the input --config"));
  EXPECT_TRUE(failed_cleanly(with({"--config", path("model/extra.json"), "--checkpoint",
                                   path("model/extra.json"), "--out", path("other")}),
                             "--checkpoint is also the input --config"));
  EXPECT_TRUE(failed_cleanly(
      with({"--checkpoint", path("model/model.safetensors"), "--resume", "--out", path("model")}),
      "--out (model.safetensors) is also the input --checkpoint"));
}

TEST_F(OutputPaths, PeftConversionsRefuseTheirInputs) {
  EXPECT_TRUE(failed_cleanly(
      knob({"import-peft", "--in", path("peft"), "--out", path("peft/adapter_model.safetensors")}),
      "also the input --in (adapter_model.safetensors)"));
  EXPECT_TRUE(failed_cleanly(knob({"import-peft", "--in", path("peft"), "--model", path("model"),
                                   "--out", path("model/model.safetensors")}),
                             "also the input --model (model.safetensors)"));
  EXPECT_TRUE(failed_cleanly(knob({"export-peft", "--adapter",
                                   path("peft/adapter_model.safetensors"), "--out", path("peft")}),
                             "is also the input --adapter"));
  EXPECT_TRUE(failed_cleanly(knob({"export-peft", "--adapter", path("adapter.safetensors"), "--out",
                                   path("adapter.safetensors")}),
                             "also the input --adapter"));
}

TEST_F(OutputPaths, CompareRefusesAFileComparedWithItself) {
  EXPECT_TRUE(
      failed_cleanly(knob({"compare", path("batch.safetensors"), path("batch.safetensors")}),
                     "comparing a file with itself"));
  fs::create_symlink(path("batch.safetensors"), path("same.safetensors"));
  EXPECT_TRUE(failed_cleanly(knob({"compare", path("same.safetensors"), path("batch.safetensors")}),
                             "comparing a file with itself"));
}

TEST_F(OutputPaths, ALinkAtAnOutputIsReplacedNeverWrittenThrough) {
  fs::create_directories(path("outside"));
  write_text(path("outside/precious"), "precious");
  fs::create_symlink(path("outside/precious"), path("g.safetensors"));
  ASSERT_TRUE(succeeded(knob(grads(path("g.safetensors")))));
  EXPECT_FALSE(fs::is_symlink(path("g.safetensors")));
  EXPECT_NO_THROW(nn::read_safetensors(path("g.safetensors")));

  fs::create_symlink(path("outside/precious"), path("a.safetensors"));
  ASSERT_TRUE(
      succeeded(knob({"import-peft", "--in", path("peft"), "--out", path("a.safetensors")})));
  EXPECT_FALSE(fs::is_symlink(path("a.safetensors")));

  // A link standing for a whole output directory, and links inside a kept one.
  fs::create_directories(path("outside/dir"));
  write_text(path("outside/dir/adapter_config.json"), "precious too");
  fs::create_directory_symlink(path("outside/dir"), path("peft2"));
  ASSERT_TRUE(succeeded(
      knob({"export-peft", "--adapter", path("adapter.safetensors"), "--out", path("peft2")})));
  EXPECT_FALSE(fs::is_symlink(path("peft2")));
  EXPECT_EQ(file_content(path("outside/dir/adapter_config.json")), "precious too");

  fs::create_directories(path("run"));
  fs::create_symlink(path("outside/precious"), path("run/metrics.csv"));
  fs::create_symlink(path("outside/precious"), path("run/loss_curve.svg"));
  ASSERT_TRUE(succeeded(knob({"train", "--steps", "2", "--batch", "2", "--digits", "1",
                              "--eval-rows", "4", "-q", "--out", path("run")})));
  EXPECT_FALSE(fs::is_symlink(path("run/metrics.csv")));
  EXPECT_EQ(file_content(path("outside/precious")), "precious");
}

}  // namespace
}  // namespace knob::reliability
