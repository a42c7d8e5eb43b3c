// Checkpoints and resume: a diverged state is never saved (the last good checkpoint stays), a
// damaged checkpoint is refused before anything changes, a resume with other hyper-parameters is
// refused (or, for the number of steps, warned about), metrics.csv has exactly one row per step
// after a resume, and killed runs leave no temporary files. Library calls first, then the real
// knob program (KNOB_PROGRAM), killed with SIGKILL where that is the point.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "knob_process.h"
#include "nn/base/file_error.h"
#include "nn/io/checkpoint.h"
#include "nn/io/finite_state.h"
#include "nn/io/safetensors.h"
#include "nn/optim/adam.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

// A tiny model trained two steps with AdamW, and its data generator.
struct SmallRun {
  SmallRun() : model(tiny_model(3)), optimizer(model->named_parameters(), 1e-2) {
    for (int step = 0; step < 2; ++step) {
      const Tensor ids = randint({2, 5}, 0, 7, data);  // [B,T]
      optimizer.zero_grad();
      Tensor loss = model->loss(ids, ids);
      backward(loss);
      optimizer.step();
    }
  }
  std::vector<nn::NamedGenerator> generators() { return {{"data", &data}}; }

  Generator data{11};
  std::shared_ptr<nn::Transformer> model;
  nn::AdamW optimizer;
};

const std::vector<nn::RunSetting> kSettings = {
    {"lr", "0.01"}, {"batch", "2"}, {"steps", "30", /*may_change=*/true}};

// Every value of every tensor, as doubles, by name: to see that nothing changed.
std::map<std::string, std::vector<double>> snapshot(const nn::NamedTensors& tensors) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& [name, t] : tensors) out[name] = t.to_vector();
  return out;
}

class CheckpointFiles : public ScratchDir {};

TEST_F(CheckpointFiles, ADivergedStateIsNotSavedAndTheFileStays) {
  SmallRun run;
  const std::string file = path("ckpt.safetensors");
  nn::save_checkpoint(file, *run.model, run.optimizer, 2, run.generators(), kSettings);
  const std::string good = file_content(file);
  for (auto& [name, t] : run.model->named_parameters()) {
    if (name == "head.bias") t.data<float>()[1] = NAN;
  }
  try {
    nn::save_checkpoint(file, *run.model, run.optimizer, 3, run.generators(), kSettings);
    FAIL() << "a NaN parameter was saved";
  } catch (const ValueError& e) {
    EXPECT_TRUE(contains(e.what(), "'model.head.bias' holds 1 NaN or infinite value")) << e.what();
  }
  EXPECT_EQ(file_content(file), good);
}

// One way of damaging a saved checkpoint, and what the error must say.
struct Damage {
  std::string name;
  std::function<void(nn::NamedTensors&)> apply;
  std::string expected;
};

Tensor& tensor_named(nn::NamedTensors& tensors, const std::string& name) {
  for (auto& [key, t] : tensors) {
    if (key == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

void erase_named(nn::NamedTensors& tensors, const std::string& name) {
  std::erase_if(tensors, [&](const auto& entry) { return entry.first == name; });
}

std::vector<Damage> damages() {
  const std::string w = "blocks.0.ffn.up.weight";
  return {
      {"NaN parameter",
       [](nn::NamedTensors& t) { tensor_named(t, "model.ln_f.weight").data<float>()[0] = NAN; },
       "'model.ln_f.weight' holds 1 NaN or infinite value"},
      {"infinite moment",
       [w](nn::NamedTensors& t) {
         tensor_named(t, "optimizer.exp_avg_sq." + w).data<float>()[3] = INFINITY;
       },
       "'optimizer.exp_avg_sq." + w + "' holds 1 NaN or infinite value"},
      {"one moment missing", [w](nn::NamedTensors& t) { erase_named(t, "optimizer.exp_avg." + w); },
       "optimizer state of '" + w + "' is incomplete: no exp_avg"},
      {"all moments missing",
       [w](nn::NamedTensors& t) {
         for (const char* slot : {"exp_avg.", "exp_avg_sq.", "step."}) {
           erase_named(t, "optimizer." + std::string(slot) + w);
         }
       },
       "optimizer state of '" + w + "' (exp_avg, exp_avg_sq, step) is missing after 2 steps"},
      {"moment of the wrong shape",
       [w](nn::NamedTensors& t) { tensor_named(t, "optimizer.exp_avg." + w) = zeros({3}); },
       "'exp_avg." + w + "' has shape [3]"},
      {"counter of the wrong dtype",
       [w](nn::NamedTensors& t) { tensor_named(t, "optimizer.step." + w) = scalar(2.0); },
       "'step." + w},
      {"negative counter",
       [w](nn::NamedTensors& t) { tensor_named(t, "optimizer.step." + w) = int_tensor({-5}, {}); },
       "optimizer counter 'step." + w + "' is negative"},
      {"optimizer step not an integer",
       [](nn::NamedTensors& t) { tensor_named(t, "optimizer.step") = scalar(1e300, DType::f64); },
       "'step' must be an integer"},
      {"negative second moment",
       [w](nn::NamedTensors& t) {
         tensor_named(t, "optimizer.exp_avg_sq." + w).data<float>()[1] = -1.0F;
       },
       "'exp_avg_sq." + w + "' holds a negative value"},
      {"counter beyond the optimizer's step",
       [w](nn::NamedTensors& t) { tensor_named(t, "optimizer.step." + w) = int_tensor({99}, {}); },
       "counter 'step." + w + "' is 99, beyond the optimizer's step 2"},
      {"counter that is not a scalar",
       [w](nn::NamedTensors& t) {
         tensor_named(t, "optimizer.step." + w) = int_tensor({1, 1}, {2});
       },
       "'step." + w + "' must be an I64 scalar (a counter)"},
      // F64 values beyond F32's range are finite in the file but infinite in this F32 model.
      {"parameter beyond F32's range",
       [](nn::NamedTensors& t) {
         Tensor& p = tensor_named(t, "model.ln_f.weight");
         p = p.to(DType::f64);
         p.data<double>()[0] = 1e300;
       },
       "'model.ln_f.weight' holds 1 NaN or infinite value (of"},
      {"moment beyond F32's range",
       [w](nn::NamedTensors& t) {
         Tensor& m = tensor_named(t, "optimizer.exp_avg." + w);
         m = m.to(DType::f64);
         m.data<double>()[0] = -1e300;
       },
       "'exp_avg." + w + "' holds 1 NaN or infinite value(s) as f32"},
      {"generator all zeros",
       [](nn::NamedTensors& t) {
         tensor_named(t, "rng.data") = int_tensor({0, 0, 0, 0}, {4});
       },
       "generator state 'rng.data' is all zeros"},
  };
}

TEST_F(CheckpointFiles, DamagedCheckpointsAreRefusedAndNothingChanges) {
  SmallRun saved;
  const std::string file = path("ckpt.safetensors");
  nn::save_checkpoint(file, *saved.model, saved.optimizer, 2, saved.generators(), kSettings);
  const nn::SafetensorsFile good = nn::read_safetensors(file);
  for (const Damage& damage : damages()) {
    SCOPED_TRACE(damage.name);
    nn::NamedTensors tensors;
    for (const auto& [name, t] : good.tensors) tensors.emplace_back(name, t.clone());
    damage.apply(tensors);
    nn::write_safetensors(file, tensors, good.metadata);
    SmallRun target;
    const auto params_before = snapshot(target.model->named_parameters());
    const auto state_before = snapshot(target.optimizer.state());
    try {
      nn::load_checkpoint(file, *target.model, target.optimizer, target.generators(), kSettings);
      ADD_FAILURE() << "the damaged checkpoint was accepted";
    } catch (const FileError& e) {
      EXPECT_TRUE(contains(e.what(), damage.expected)) << e.what();
    }
    EXPECT_EQ(snapshot(target.model->named_parameters()), params_before);
    EXPECT_EQ(snapshot(target.optimizer.state()), state_before);
  }
}

TEST_F(CheckpointFiles, TheRunsSettingsMustMatchExceptThoseThatMayChange) {
  SmallRun saved;
  const std::string file = path("ckpt.safetensors");
  nn::save_checkpoint(file, *saved.model, saved.optimizer, 2, saved.generators(), kSettings);
  auto load = [&](const std::vector<nn::RunSetting>& settings, std::vector<std::string>* changed) {
    SmallRun target;
    return nn::load_checkpoint(file, *target.model, target.optimizer, target.generators(), settings,
                               changed);
  };
  std::vector<std::string> changed;
  EXPECT_EQ(load(kSettings, &changed), 2);
  EXPECT_TRUE(changed.empty());

  std::vector<nn::RunSetting> other_lr = kSettings;
  other_lr[0].value = "0.1";
  try {
    load(other_lr, &changed);
    FAIL() << "a different lr was accepted";
  } catch (const FileError& e) {
    EXPECT_TRUE(contains(e.what(), "lr: 0.01 in the checkpoint, 0.1 now")) << e.what();
  }

  std::vector<nn::RunSetting> longer = kSettings;
  longer[2].value = "40";
  EXPECT_EQ(load(longer, &changed), 2);
  EXPECT_EQ(changed, std::vector<std::string>{"steps: 30 in the checkpoint, 40 now"});
  EXPECT_THROW(load(longer, nullptr), FileError);  // nobody to tell: refused

  std::vector<nn::RunSetting> extra = kSettings;
  extra.push_back({"seed", "5"});
  EXPECT_THROW(load(extra, &changed), FileError);  // not recorded
  const std::vector<nn::RunSetting> fewer(kSettings.begin(), kSettings.begin() + 2);
  EXPECT_THROW(load(fewer, &changed), FileError);  // recorded but unknown to this run
}

// ---------------------------------------------------------------------------------------------
// The knob program.
// ---------------------------------------------------------------------------------------------

class ResumeCli : public ScratchDir {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#endif
    ScratchDir::SetUp();
    write_text(path("small.json"), kSmallTrainingConfig);
  }

  // knob train of the tiny default model into `out` (30 steps of 16 rows unless `extra` says
  // otherwise), plus `extra`.
  KnobRun train(const std::vector<std::string>& extra, const std::string& out = "m") {
    std::vector<std::string> args = {"train", "-q",     "--config", path("small.json"),
                                     "--out", path(out)};
    for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
             {"--steps", "30"}, {"--warmup", "5"}, {"--batch", "16"}, {"--eval-rows", "16"}}) {
      if (std::find(extra.begin(), extra.end(), option) == extra.end()) {
        args.insert(args.end(), {option, value});
      }
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run_knob(args, path("log"));
  }

  std::string staged(const std::string& name) const { return path(".m.partial/" + name); }

  // The `step` column of a metrics file.
  static std::vector<int> csv_steps(const std::string& file) {
    std::vector<int> steps;
    std::istringstream in(file_content(file));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) steps.push_back(std::stoi(line));
    return steps;
  }

  static std::vector<int> one_to(int n) {
    std::vector<int> steps(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) steps[static_cast<std::size_t>(i)] = i + 1;
    return steps;
  }

  // Every file under the scratch directory whose name marks a temporary.
  std::vector<std::string> temporaries() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp-") != std::string::npos || name.find(".old-") != std::string::npos) {
        found.push_back(entry.path().string());
      }
    }
    return found;
  }
};

TEST_F(ResumeCli, ADivergedRunKeepsTheLastGoodCheckpoint) {
  const KnobRun run = train({"--lr", "1e6", "--checkpoint-every", "1"});
  ASSERT_TRUE(failed_cleanly(run, "NaN or infinite"));
  EXPECT_FALSE(fs::exists(path("m"))) << "a diverged run wrote its model directory";
  ASSERT_TRUE(fs::exists(staged("checkpoint.safetensors"))) << run.err;
  const nn::SafetensorsFile checkpoint = nn::read_safetensors(staged("checkpoint.safetensors"));
  EXPECT_EQ(nn::non_finite_tensors(checkpoint.tensors), std::vector<std::string>{});
  EXPECT_GE(checkpoint.at("step").item(), 1.0);
}

TEST_F(ResumeCli, OtherHyperParametersAreRefusedAndMoreStepsWarned) {
  ASSERT_TRUE(succeeded(train({"--stop-after", "5"})));
  const std::string saved = file_content(staged("checkpoint.safetensors"));
  EXPECT_TRUE(
      failed_cleanly(train({"--resume", "--lr", "0.01"}), "lr: 0.003 in the checkpoint, 0.01 now"));
  EXPECT_TRUE(failed_cleanly(train({"--resume", "--batch", "8"}), "batch: 16 in the checkpoint"));
  EXPECT_TRUE(failed_cleanly(train({"--resume", "--tasks", "copy"}), "data: 8 digits of"));
  EXPECT_TRUE(
      failed_cleanly(train({"--resume", "--seed", "4"}), "seed: 0 in the checkpoint, 4 now"));
  EXPECT_EQ(file_content(staged("checkpoint.safetensors")), saved);

  const KnobRun longer = train({"--resume", "--steps", "32", "--stop-after", "2"});
  ASSERT_TRUE(succeeded(longer));
  EXPECT_TRUE(contains(longer.err,
                       "warning: resuming with a changed setting (steps: 30 in the "
                       "checkpoint, 32 now)"))
      << longer.err;
}

TEST_F(ResumeCli, MetricsHaveOneRowPerStepWhenRowsRanAheadOfTheCheckpoint) {
  // A run killed between checkpoints has rows beyond its checkpoint: here rows 11-13 exist but
  // the checkpoint is at step 10 (a copy put back, as after a SIGKILL at step 13).
  ASSERT_TRUE(succeeded(train({"--checkpoint-every", "5", "--stop-after", "10"})));
  const std::string step_10 = file_content(staged("checkpoint.safetensors"));
  ASSERT_TRUE(succeeded(train({"--checkpoint-every", "5", "--resume", "--stop-after", "3"})));
  ASSERT_EQ(csv_steps(staged("metrics.csv")), one_to(13));
  write_text(staged("checkpoint.safetensors"), step_10);
  write_text(staged("metrics.csv"), file_content(staged("metrics.csv")) + "14,2.5");  // torn
  ASSERT_TRUE(succeeded(train({"--checkpoint-every", "5", "--resume"})));
  EXPECT_EQ(csv_steps(path("m/metrics.csv")), one_to(30));
}

TEST_F(ResumeCli, TemporariesOfDeadWritersAreRemoved) {
  const pid_t dead = ::fork();  // a process id that certainly belongs to no running writer
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  ASSERT_TRUE(succeeded(train({"--stop-after", "3"})));
  const std::string stale = staged(".checkpoint.safetensors.tmp-" + std::to_string(dead) + "-0");
  write_text(stale, "half a checkpoint");
  const std::string live = path(".g.safetensors.tmp-" + std::to_string(::getpid()) + "-0");
  const std::string dead_single = path(".g.safetensors.tmp-" + std::to_string(dead) + "-7");
  write_text(live, "a live writer's file");
  write_text(dead_single, "a killed writer's file");
  ASSERT_TRUE(succeeded(train({"--resume"})));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(path(".m.partial")));

  nn::write_safetensors(path("b.safetensors"), {{"input_ids", int_tensor({1, 2, 3}, {1, 3})},
                                                {"targets", int_tensor({2, 3, 4}, {1, 3})}});
  ASSERT_TRUE(succeeded(run_knob({"grads", "--model", path("m"), "--batch", path("b.safetensors"),
                                  "--out", path("g.safetensors")},
                                 path("log"))));
  EXPECT_FALSE(fs::exists(dead_single));
  EXPECT_TRUE(fs::exists(live)) << "a live process's temporary was removed";
}

TEST_F(ResumeCli, RunsKilledAtAnyMomentResumeToTheSameModel) {
  const std::vector<std::string> run = {"--steps", "80", "--checkpoint-every", "1", "--resume"};
  ASSERT_TRUE(succeeded(train({"--steps", "80"}, "straight")));
  // Kill the same run at different moments — while stepping, writing a checkpoint or the CSV,
  // committing — resuming each time; the end must be the uninterrupted run's model, bit for bit.
  for (const int milliseconds : {0, 3, 11, 29, 47}) {
    std::vector<std::string> args = {"train",   "-q",       "--config", path("small.json"), "--out",
                                     path("m"), "--warmup", "5",        "--batch",          "16"};
    args.insert(args.end(), run.begin(), run.end());
    const pid_t pid = start_knob(args, path("killed"));
    // Once it has written a checkpoint (or ended), wait a little more, then kill it.
    int status = 0;
    for (int i = 0; i < 2000 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
      if (fs::exists(staged("checkpoint.safetensors"))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(succeeded(train(run)));
  EXPECT_EQ(file_content(path("m/model.safetensors")),
            file_content(path("straight/model.safetensors")));
  EXPECT_EQ(csv_steps(path("m/metrics.csv")), one_to(80));
  EXPECT_EQ(temporaries(), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(path(".m.partial")));
}

}  // namespace
}  // namespace knob::reliability
