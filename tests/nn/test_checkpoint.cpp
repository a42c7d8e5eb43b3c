// Training checkpoints (nn/io/checkpoint.h): a run stopped and resumed from its checkpoint follows
// the uninterrupted run bit for bit; saving is atomic; bad checkpoints are refused, unchanged.
#include <bit>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "common/scratch_dir.h"
#include "common/tiny_model.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/io/checkpoint.h"
#include "nn/io/safetensors.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"
#include "nn/optim/lr_schedule.h"

namespace knob::nn {
namespace {

namespace fs = std::filesystem;

TransformerConfig small_config() {
  TransformerConfig c = test::tiny_config(
      {.vocab_size = 9, .d_model = 16, .n_layers = 2, .d_ff = 32, .max_seq_len = 8});
  c.dropout = 0.1;  // so the model's own generators matter too
  return c;
}

// One run: a model, AdamW over every parameter, a warmup-cosine schedule and a data stream.
struct TrainingRun {
  explicit TrainingRun(std::uint64_t init_seed) : init(init_seed) {
    model = std::make_shared<Transformer>(small_config(), init);
    optimizer = std::make_unique<AdamW>(model->named_parameters(), 3e-3);
  }
  std::vector<NamedGenerator> generators() { return {{"data", &data}}; }

  // Steps [from, to): a copy task on random tokens. Returns each step's loss.
  std::vector<double> train(std::int64_t from, std::int64_t to) {
    std::vector<double> losses;
    for (std::int64_t step = from; step < to; ++step) {
      const Tensor ids = randint({4, 8}, 0, 9, data);  // [B,T]
      optimizer->set_lr(schedule.lr_at(step));
      optimizer->zero_grad();
      Tensor loss = model->loss(ids, ids);
      backward(loss);
      clip_grad_norm(model->named_parameters(), 1.0);
      optimizer->step();
      losses.push_back(loss.item());
    }
    return losses;
  }

  Generator init;
  Generator data{42};
  WarmupCosineSchedule schedule{3e-3, 3e-4, 3, 12};
  std::shared_ptr<Transformer> model;
  std::unique_ptr<AdamW> optimizer;
};

class Checkpoint : public test::ScratchDir {};

void expect_bit_identical(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    ASSERT_EQ(a[i].second.shape(), b[i].second.shape());
    const std::size_t bytes = static_cast<std::size_t>(a[i].second.numel()) * sizeof(float);
    EXPECT_EQ(std::memcmp(a[i].second.data<float>(), b[i].second.data<float>(), bytes), 0)
        << a[i].first << " differs";
  }
}

TEST_F(Checkpoint, AResumedRunFollowsTheUninterruptedOneBitForBit) {
  TrainingRun straight(1);
  const std::vector<double> all = straight.train(0, 12);

  TrainingRun first(1);
  std::vector<double> losses = first.train(0, 5);
  save_checkpoint(path("ckpt.safetensors"), *first.model, *first.optimizer, 5, first.generators());

  // A new process: different initial weights and data seed, restored from the file.
  TrainingRun resumed(777);
  resumed.data = Generator(999);
  const std::int64_t start = load_checkpoint(path("ckpt.safetensors"), *resumed.model,
                                             *resumed.optimizer, resumed.generators());
  ASSERT_EQ(start, 5);
  EXPECT_EQ(resumed.optimizer->step_count(), 5);
  const std::vector<double> rest = resumed.train(start, 12);
  losses.insert(losses.end(), rest.begin(), rest.end());

  ASSERT_EQ(losses.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(losses[i]), std::bit_cast<std::uint64_t>(all[i]))
        << "loss of step " << i << ": resumed " << losses[i] << ", uninterrupted " << all[i];
  }
  expect_bit_identical(resumed.model->named_parameters(), straight.model->named_parameters());
}

TEST_F(Checkpoint, WithoutTheGeneratorsTheRunWouldDiverge) {
  // The control for the test above: restoring weights and optimizer but not the data stream and
  // dropout generators does NOT reproduce the run, so the generators really are needed.
  TrainingRun straight(1);
  const std::vector<double> all = straight.train(0, 8);
  TrainingRun first(1);
  first.train(0, 4);
  TrainingRun resumed(1);
  resumed.model->load_state_dict(first.model->named_parameters());
  resumed.optimizer->load_state(first.optimizer->state());
  const std::vector<double> rest = resumed.train(4, 8);
  EXPECT_NE(rest.front(), all[4]);
}

TEST_F(Checkpoint, AFailedSaveLeavesThePreviousCheckpointIntact) {
  TrainingRun run(1);
  run.train(0, 2);
  const std::string file = path("ckpt.safetensors");
  save_checkpoint(file, *run.model, *run.optimizer, 2, run.generators());
  const std::string before = serialize_safetensors(read_safetensors(file).tensors);
  run.train(2, 4);
  testing::fail_next_write_after(1000);  // the disk "fills up" 1000 bytes into the new file
  EXPECT_THROW(save_checkpoint(file, *run.model, *run.optimizer, 4, run.generators()), FileError);
  EXPECT_EQ(serialize_safetensors(read_safetensors(file).tensors), before);
  TrainingRun other(5);
  EXPECT_EQ(load_checkpoint(file, *other.model, *other.optimizer, other.generators()), 2);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";
}

// The FileError message of loading `file` into a fresh TrainingRun built with `config`.
std::string load_error(const std::string& file, TrainingRun& run) {
  try {
    load_checkpoint(file, *run.model, *run.optimizer, run.generators());
  } catch (const FileError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no FileError";
  return "";
}

TEST_F(Checkpoint, BadCheckpointsAreRefusedAndNothingChanges) {
  TrainingRun run(1);
  run.train(0, 2);
  const std::string file = path("ckpt.safetensors");
  save_checkpoint(file, *run.model, *run.optimizer, 2, run.generators());
  const NamedTensors good = read_safetensors(file).tensors;

  TrainingRun target(3);
  const NamedTensors params_before = target.model->named_parameters();
  NamedTensors snapshot;
  for (const auto& [name, t] : params_before) snapshot.emplace_back(name, t.clone());

  auto rewrite = [&](const std::string& name, const NamedTensors& tensors,
                     std::map<std::string, std::string> metadata) {
    write_safetensors(path(name), tensors, metadata);
    return path(name);
  };
  const std::map<std::string, std::string> meta = {{"format", "knob-checkpoint"}, {"version", "1"}};

  // A model file is not a checkpoint.
  std::string msg =
      load_error(rewrite("model.safetensors", run.model->named_parameters(), {}), target);
  EXPECT_NE(msg.find("not a knob checkpoint"), std::string::npos) << msg;

  // A parameter of the wrong shape, a missing generator state, an unexpected key: one message.
  NamedTensors broken = good;
  std::erase_if(broken, [](const auto& p) { return p.first == "rng.data"; });
  for (auto& [name, t] : broken) {
    if (name == "model.head.bias") t = zeros({3});
  }
  broken.emplace_back("surprise", zeros({1}));
  msg = load_error(rewrite("broken.safetensors", broken, meta), target);
  EXPECT_EQ(msg.rfind(path("broken.safetensors"), 0), 0u) << msg;
  EXPECT_NE(msg.find("wrong shape: head.bias (expected [9], got [3])"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing generator state 'rng.data'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected key 'surprise'"), std::string::npos) << msg;

  // Optimizer state that does not fit (a moment of the wrong shape).
  NamedTensors bad_optimizer = good;
  for (auto& [name, t] : bad_optimizer) {
    if (name == "optimizer.exp_avg.head.bias") t = zeros({2});
  }
  msg = load_error(rewrite("bad_optimizer.safetensors", bad_optimizer, meta), target);
  EXPECT_NE(msg.find("optimizer state"), std::string::npos) << msg;

  // A newer format version.
  msg = load_error(
      rewrite("v2.safetensors", good, {{"format", "knob-checkpoint"}, {"version", "2"}}), target);
  EXPECT_NE(msg.find("version '2' is not supported"), std::string::npos) << msg;

  // None of these changed the target's weights or optimizer.
  expect_bit_identical(target.model->named_parameters(), snapshot);
  EXPECT_EQ(target.optimizer->step_count(), 0);
}

TEST_F(Checkpoint, WorksForAModelNotOwnedByASharedPtr) {
  Generator init(3);
  Transformer model(small_config(), init);  // on the stack, as the knob command builds it
  AdamW optimizer(model.named_parameters());
  save_checkpoint(path("c"), model, optimizer, 0);
  EXPECT_EQ(load_checkpoint(path("c"), model, optimizer), 0);
}

TEST_F(Checkpoint, SaveRejectsBadArguments) {
  TrainingRun run(1);
  EXPECT_THROW(save_checkpoint(path("c"), *run.model, *run.optimizer, -1), ValueError);
  Generator g(0);
  EXPECT_THROW(save_checkpoint(path("c"), *run.model, *run.optimizer, 0, {{"a", &g}, {"a", &g}}),
               ValueError);
  EXPECT_THROW(save_checkpoint(path("c"), *run.model, *run.optimizer, 0, {{"a", nullptr}}),
               ValueError);
  EXPECT_FALSE(fs::exists(path("c")));
}

}  // namespace
}  // namespace knob::nn
