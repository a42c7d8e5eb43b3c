// The knob program on bad input: it exits with a non-zero status (never a signal) and prints
// exactly one line on standard error, starting with "knob: " and naming the file and the
// problem. Runs the real executable (KNOB_PROGRAM) in a child process.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "knob_process.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

using Outcome = KnobRun;

class CliErrors : public ModelAndBatch {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#else
    ModelAndBatch::SetUp();
#endif
  }

  // Run `knob args...` with its output captured in files of the scratch directory.
  Outcome run(const std::vector<std::string>& args) { return run_knob(args, path("knob")); }

  // Run knob and check the clean-failure contract (knob_process.h); returns its standard error.
  std::string expect_clean_failure(const std::vector<std::string>& args,
                                   const std::string& must_mention, int status = kFailure) {
    const Outcome o = run(args);
    EXPECT_TRUE(failed_cleanly(o, must_mention, status));
    return o.err;
  }

  std::vector<std::string> grads(const std::string& model, const std::string& batch) {
    return {"grads",     "--model", path(model),          "--batch",
            path(batch), "--out",   path("g.safetensors")};
  }
};

TEST_F(CliErrors, AGoodRunSucceeds) {  // the baseline: the fixtures themselves are fine
  const Outcome o = run(grads("model", "batch.safetensors"));
  EXPECT_TRUE(o.exited);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(o.err.empty()) << o.err;
  EXPECT_TRUE(fs::exists(path("g.safetensors")));
}

TEST_F(CliErrors, MissingModelDirectory) {
  expect_clean_failure(grads("nowhere", "batch.safetensors"), path("nowhere"));
}

TEST_F(CliErrors, ConfigValuesOutOfRangeAreListedOnOneLine) {
  nn::TransformerConfig bad = tiny_config();
  bad.d_model = 9;
  bad.vocab_size = 0;
  write_text(path("model/config.json"), bad.to_json());
  const std::string err = expect_clean_failure(grads("model", "batch.safetensors"), "config.json");
  EXPECT_TRUE(contains(err, "vocab_size must be positive")) << err;
  EXPECT_TRUE(contains(err, "d_model (9) must be divisible by n_heads (2)")) << err;
}

TEST_F(CliErrors, ConfigThatIsNotJson) {
  write_text(path("model/config.json"), "{\"vocab_size\": 7,");
  expect_clean_failure(grads("model", "batch.safetensors"), "not valid JSON");
}

TEST_F(CliErrors, TruncatedWeights) {
  const std::string bytes = file_content(path("model/model.safetensors"));
  write_text(path("model/model.safetensors"), bytes.substr(0, bytes.size() - 10));
  expect_clean_failure(grads("model", "batch.safetensors"), "model.safetensors");
}

TEST_F(CliErrors, MissingExtraAndMisShapedWeights) {
  nn::NamedTensors t = nn::read_safetensors(path("model/model.safetensors")).tensors;
  std::erase_if(t, [](const auto& p) { return p.first == "pos_emb.weight"; });
  t.emplace_back("surplus", zeros({1}));
  for (auto& [name, tensor] : t) {
    if (name == "ln_f.weight") tensor = zeros({9});
  }
  nn::write_safetensors(path("model/model.safetensors"), t);
  const std::string err =
      expect_clean_failure(grads("model", "batch.safetensors"), "model.safetensors");
  EXPECT_TRUE(contains(err, "missing: pos_emb.weight")) << err;
  EXPECT_TRUE(contains(err, "unexpected: surplus")) << err;
  EXPECT_TRUE(contains(err, "wrong shape: ln_f.weight")) << err;
}

TEST_F(CliErrors, BatchThatIsNotASafetensorsFile) {
  write_text(path("junk.safetensors"), "this is not a safetensors file at all");
  expect_clean_failure(grads("model", "junk.safetensors"), "junk.safetensors");
}

TEST_F(CliErrors, TokenIdsOutsideTheVocabulary) {
  nn::write_safetensors(path("b.safetensors"), {{"input_ids", int_tensor({1, 7}, {1, 2})},
                                                {"targets", int_tensor({1, 2}, {1, 2})}});
  expect_clean_failure(grads("model", "b.safetensors"), "ids[0,1] = 7 is outside [0, 7)");
}

TEST_F(CliErrors, SequenceLongerThanMaxSeqLen) {
  const std::vector<std::int64_t> six(6, 1);
  nn::write_safetensors(path("b.safetensors"), {{"input_ids", int_tensor(six, {1, 6})},
                                                {"targets", int_tensor(six, {1, 6})}});
  expect_clean_failure(grads("model", "b.safetensors"), "exceeds max_seq_len 5");
}

TEST_F(CliErrors, OutputIntoAMissingDirectory) {
  std::vector<std::string> args = grads("model", "batch.safetensors");
  args.back() = path("no/such/dir/g.safetensors");
  expect_clean_failure(args, "no/such/dir/g.safetensors");
}

TEST_F(CliErrors, CompareADirectoryAndAnEmptyFile) {
  write_text(path("empty.safetensors"), "");
  expect_clean_failure({"compare", path("empty.safetensors"), path("batch.safetensors")},
                       "empty.safetensors");
  expect_clean_failure({"compare", path("batch.safetensors"), path("model")}, path("model"));
}

TEST_F(CliErrors, UsageErrorsAreOneLineToo) {
  expect_clean_failure({"grads", "--model"}, "--model", kUsageError);
  EXPECT_EQ(run({"no-such-command"}).status, kUsageError);
  expect_clean_failure({"grads", "--model", "m", "--batch", "b", "--out", "o", "--dtype", "f16"},
                       "f16", kUsageError);
}

// CLI11 checks required options first: a misspelt one must still be named, not only the option
// it left missing.
TEST_F(CliErrors, AMisspeltOptionIsNamedBesideTheMissingOne) {
  const std::string err = expect_clean_failure(
      {"grads", "--modle", path("model"), "--batch", path("batch.safetensors"), "--out", "o"},
      "'--modle'", kUsageError);
  EXPECT_TRUE(contains(err, "--model is required")) << err;
  const std::string long_arg(5000, 'x');
  EXPECT_LT(expect_clean_failure({"eval", long_arg}, "(5000 bytes)", kUsageError).size(), 300u);
}

}  // namespace
}  // namespace knob::reliability
