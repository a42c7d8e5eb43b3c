// Every numeric option of every knob subcommand is checked: a value that is not a number, is out
// of the option's range, NaN, infinite or beyond 64 bits is a usage error (exit status 2) on one
// line naming the option and the value — never a silent default, a wrapped number or an
// "internal error". Runs the real program (KNOB_PROGRAM).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "knob_process.h"
#include "nn/io/model_dir.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

class CliNumbers : public ScratchDir {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#else
    ScratchDir::SetUp();
    nn::TransformerConfig config = tiny_config();
    config.vocab_size = 20;  // the digit tasks' tokens
    config.max_seq_len = 24;
    Generator gen(1);
    nn::save_model_dir(nn::Transformer(config, gen), path("model"));
    write_text(path("config.json"), config.to_json());
#endif
  }

  // `knob <command...> <option> <value>` must fail as a usage error naming both.
  void expect_refused(std::vector<std::string> command, const std::string& option,
                      const std::string& value) {
    command.push_back(option);
    command.push_back(value);
    SCOPED_TRACE(option + " " + value);
    const KnobRun run = run_knob(command, path("knob"));
    EXPECT_TRUE(failed_cleanly(run, option + ": '" + value + "'", kUsageError));
    EXPECT_LT(run.err.size(), 400u) << "an error line must stay short";
  }
};

TEST_F(CliNumbers, EvalRowsDigitsAndSeed) {
  const std::vector<std::string> eval = {"eval", "--model", path("model")};
  for (const std::string bad : {"0", "-5", "99999999999", "1e3", "", " 8", "8x", "0x10"}) {
    expect_refused(eval, "--rows", bad);
  }
  expect_refused(eval, "--digits", "0");
  for (const std::string bad :
       {"-1", "18446744073709551616", "1e3", "1.5", "99999999999999999999999", "", "12abc"}) {
    expect_refused(eval, "--seed", bad);
  }
}

TEST_F(CliNumbers, TheLargestSeedIsAccepted) {
  const KnobRun o = run_knob({"eval", "--model", path("model"), "--rows", "2", "--digits", "2",
                              "--seed", "18446744073709551615"},
                             path("knob"));
  EXPECT_EQ(o.status, 0) << o.err;
}

TEST_F(CliNumbers, FinetuneLearningRateStepsAndBatch) {
  const std::vector<std::string> finetune = {"finetune", "--model", path("model"),
                                             "-q",       "--out",   path("adapter.safetensors")};
  for (const std::string bad :
       {"nan", "-1", "0", "inf", "-inf", "1e400", "1e-400", "abc", "", "0.1x", "0x1p-3"}) {
    expect_refused(finetune, "--lr", bad);
  }
  for (const std::string bad : {"0", "-3", "9223372036854775808"}) {
    expect_refused(finetune, "--steps", bad);
  }
  expect_refused(finetune, "--batch", "0");
  expect_refused(finetune, "--eval-rows", "0");
  EXPECT_FALSE(fs::exists(path("adapter.safetensors")));
}

TEST_F(CliNumbers, TrainNumbers) {
  const std::vector<std::string> train = {"train", "--config",      path("config.json"),
                                          "--out", path("trained"), "-q"};
  expect_refused(train, "--steps", "0");
  expect_refused(train, "--lr", "nan");
  expect_refused(train, "--warmup", "-1");
  expect_refused(train, "--weight-decay", "-0.5");
  expect_refused(train, "--seed", "-7");
  expect_refused(train, "--checkpoint-every", "-1");
  EXPECT_FALSE(fs::exists(path("trained")));
}

TEST_F(CliNumbers, BenchNumbers) {
  expect_refused({"bench", "--matmul", "4,4,4"}, "--repeats", "0");
  expect_refused({"bench", "--matmul", "4,4,4"}, "--repeats", "-1");
  for (const std::string bad : {"4,4", "4,4,4,", "4,4,4,4", " 4,4,4", "4, 4,4", "4,,4", "0,4,4",
                                "+4,4,4", "4,4,65537", "4,4,18446744073709551617", "4,4,1e2", ""}) {
    expect_refused({"bench"}, "--matmul", bad);
  }
  const std::vector<std::string> bench = {"bench", "--config", path("config.json")};
  expect_refused(bench, "--seq", "0");
  expect_refused(bench, "--batch", "99999999999999");
  expect_refused(bench, "--steps", "0");
  expect_refused(bench, "--warmup", "-1");
}

TEST_F(CliNumbers, DemoNumbers) {
  const std::vector<std::string> demo = {"demo", "--quick", "--out", path("demo")};
  expect_refused(demo, "--ia3-beta2", "1");
  expect_refused(demo, "--ia3-lr-floor", "1.5");
  expect_refused(demo, "--ia3-clip", "nan");
  expect_refused(demo, "--full-lr", "0");
  expect_refused(demo, "--pretrain-steps", "0");
  expect_refused(demo, "--eval-rows", "-2");
  EXPECT_FALSE(fs::exists(path("demo")));
}

}  // namespace
}  // namespace knob::reliability
