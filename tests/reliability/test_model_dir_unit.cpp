// A model directory is written as one unit (nn/base/staged_directory.h): all of the new files or,
// after any failure, the old directory exactly as it was and still loadable; a link at the target
// is replaced, not followed; a second writer of the same directory gets a clear error from the
// lock. The StagedDirectory itself first, then the knob program (KNOB_PROGRAM) diverging, running
// out of space (RLIMIT_FSIZE) and racing another knob.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "knob_process.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/base/staged_directory.h"
#include "nn/io/model_dir.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

using nn::StagedDirectory;

// Every file under `dir` (relative name → content), links as "-> target".
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(fs::symlink_status(dir))) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().lexically_relative(dir).string();
    if (entry.is_symlink()) {
      out[name] = "-> " + fs::read_symlink(entry.path()).string();
    } else if (entry.is_regular_file()) {
      out[name] = file_content(entry.path().string());
    } else {
      out[name + "/"] = "";
    }
  }
  return out;
}

// Only the target and nothing of knob's own (staging or old directories) beside it.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".partial") != std::string::npos || name.find(".old-") != std::string::npos) {
      found.push_back(name);
    }
  }
  return found;
}

class StagedDirectoryTest : public ScratchDir {};

TEST_F(StagedDirectoryTest, CommitReplacesOwnedFilesAndKeepsTheRest) {
  nn::save_model_dir(*tiny_model(1), path("m"));
  nn::atomic_write_bytes(path("m/metrics.csv"), "step,loss\n1,2\n");  // the old run's log
  nn::atomic_write_bytes(path("m/notes.txt"), "my notes");
  fs::create_directories(path("m/adapters"));
  nn::atomic_write_bytes(path("m/adapters/a.safetensors"), "an adapter");
  nn::save_model_dir(*tiny_model(2), path("m"));
  const auto now = tree(path("m"));
  EXPECT_EQ(now.at("notes.txt"), "my notes");
  EXPECT_EQ(now.at("adapters/a.safetensors"), "an adapter");
  EXPECT_FALSE(now.contains("metrics.csv")) << "the replaced model's log stayed";
  EXPECT_EQ(nn::load_model_dir(path("m"))->named_parameters().front().second.to_vector(),
            tiny_model(2)->named_parameters().front().second.to_vector());
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
}

TEST_F(StagedDirectoryTest, AFailedWriteLeavesTheDirectoryExactlyAsItWas) {
  nn::save_model_dir(*tiny_model(1), path("m"));
  nn::atomic_write_bytes(path("m/metrics.csv"), "step,loss\n1,2\n");
  const auto before = tree(path("m"));
  // config.json is written first; the weights fail half-way (as on a full disk).
  nn::testing::fail_next_write_after(-1);
  {
    StagedDirectory out(path("m"), nn::model_dir_files());
    nn::atomic_write_bytes(out.file("config.json"), tiny_config().to_json());
    nn::testing::fail_next_write_after(100);
    EXPECT_THROW(nn::write_model_files(*tiny_model(2), out.path()), FileError);
  }  // not committed
  EXPECT_EQ(tree(path("m")), before);
  EXPECT_NO_THROW(nn::load_model_dir(path("m")));
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});

  // The same through save_model_dir, for a model of another shape, with the file-size limit
  // letting config.json through and stopping the weights (EFBIG, as a full disk gives ENOSPC).
  nn::TransformerConfig wider = tiny_config();
  wider.d_ff = 32;
  Generator gen(5);
  const nn::Transformer other(wider, gen);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ::getrlimit(RLIMIT_FSIZE, &old_limit);
  const rlimit small{1000, old_limit.rlim_max};
  ::setrlimit(RLIMIT_FSIZE, &small);
  EXPECT_THROW(nn::save_model_dir(other, path("m")), FileError);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(tree(path("m")), before);
  EXPECT_NO_THROW(nn::load_model_dir(path("m")));
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
}

TEST_F(StagedDirectoryTest, ASecondWriterGetsALockError) {
  nn::save_model_dir(*tiny_model(1), path("m"));
  const auto before = tree(path("m"));
  {
    StagedDirectory first(path("m"), nn::model_dir_files());
    try {
      StagedDirectory second(path("m"), nn::model_dir_files());
      FAIL() << "two writers of one directory";
    } catch (const FileError& e) {
      EXPECT_TRUE(contains(e.what(), "another process is writing it")) << e.what();
    }
    EXPECT_THROW(nn::save_model_dir(*tiny_model(2), path("m")), FileError);
  }
  EXPECT_EQ(tree(path("m")), before);
  EXPECT_NO_THROW(nn::save_model_dir(*tiny_model(2), path("m")));  // free again
}

TEST_F(StagedDirectoryTest, ALinkAtTheTargetIsReplacedNotFollowed) {
  fs::create_directories(path("elsewhere"));
  nn::atomic_write_bytes(path("elsewhere/config.json"), "precious");
  fs::create_directory_symlink("elsewhere", path("m"));
  nn::save_model_dir(*tiny_model(1), path("m"));
  EXPECT_FALSE(fs::is_symlink(path("m")));
  EXPECT_EQ(file_content(path("elsewhere/config.json")), "precious");
  EXPECT_NO_THROW(nn::load_model_dir(path("m")));
}

TEST_F(StagedDirectoryTest, AFileWhereTheDirectoryGoesIsRefused) {
  write_text(path("m"), "not a directory");
  try {
    nn::save_model_dir(*tiny_model(1), path("m"));
    FAIL() << "a file was replaced by a directory";
  } catch (const FileError& e) {
    EXPECT_TRUE(contains(e.what(), "exists and is not a directory")) << e.what();
  }
  EXPECT_EQ(file_content(path("m")), "not a directory");
  EXPECT_THROW(nn::save_model_dir(*tiny_model(1), path("m/sub")), FileError);
}

TEST_F(StagedDirectoryTest, AStagingDirectoryLeftBehindIsEmptiedOrResumed) {
  fs::create_directories(path(".m.partial"));
  write_text(path(".m.partial/checkpoint.safetensors"), "from a killed run");
  write_text(path(".m.partial/.checkpoint.safetensors.tmp-1-0"), "half written");
  {
    StagedDirectory resumed(path("m"), nn::model_dir_files(), StagedDirectory::Start::resume);
    EXPECT_TRUE(resumed.has("checkpoint.safetensors"));
    EXPECT_FALSE(resumed.has(".checkpoint.safetensors.tmp-1-0"));
    resumed.keep();
  }
  {
    StagedDirectory fresh(path("m"), nn::model_dir_files());
    EXPECT_FALSE(fresh.has("checkpoint.safetensors"));
  }
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
}

TEST_F(StagedDirectoryTest, NamesCloseToTheLimitWork) {
  const std::string name(250, 'm');  // legal, but ".<name>.partial" is not
  nn::save_model_dir(*tiny_model(1), path(name));
  EXPECT_NO_THROW(nn::load_model_dir(path(name)));
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
  try {
    nn::save_model_dir(*tiny_model(1), path(std::string(300, 'm')));
    FAIL() << "a name beyond NAME_MAX was accepted";
  } catch (const FileError& e) {
    EXPECT_TRUE(contains(e.what(), "File name too long")) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// The knob program.
// ---------------------------------------------------------------------------------------------

class ModelDirCli : public ScratchDir {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#endif
    ScratchDir::SetUp();
    write_text(path("small.json"), kSmallTrainingConfig);
  }

  std::vector<std::string> train_args(const std::string& steps, const std::string& lr = "3e-3") {
    return {"train",   "--config", path("small.json"),
            "--steps", steps,      "--warmup",
            "5",       "--batch",  "16",
            "--lr",    lr,         "-q",
            "--out",   path("m"),  "--eval-rows",
            "16"};
  }

  // A trained model directory m/ and what it holds.
  std::map<std::string, std::string> trained() {
    EXPECT_TRUE(succeeded(run_knob(train_args("20"), path("log"))));
    return tree(path("m"));
  }

  void expect_loadable() {
    EXPECT_TRUE(succeeded(
        run_knob({"eval", "--model", path("m"), "--rows", "8", "--digits", "2"}, path("eval"))));
  }
};

TEST_F(ModelDirCli, ADivergedRunLeavesTheDirectoryAsItWas) {
  const auto before = trained();
  ASSERT_EQ(before.size(), 4u);  // config, weights, metrics, loss curve
  EXPECT_TRUE(failed_cleanly(run_knob(train_args("20", "1e6"), path("log")), "NaN or infinite"));
  EXPECT_EQ(tree(path("m")), before);
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
  expect_loadable();
}

TEST_F(ModelDirCli, RunningOutOfSpaceLeavesTheDirectoryAsItWas) {
  const auto before = trained();
  // The weights do not fit under the limit, the logs do: the weights' write fails with EFBIG,
  // as it would with ENOSPC on a full disk, after metrics.csv and the loss curve were written.
  const auto limit = static_cast<std::int64_t>(fs::file_size(path("m/model.safetensors")) / 2);
  ASSERT_LT(static_cast<std::int64_t>(fs::file_size(path("m/loss_curve.svg"))), limit);
  ASSERT_LT(static_cast<std::int64_t>(fs::file_size(path("m/metrics.csv"))), limit);
  const KnobRun run =
      run_knob(train_args("20"), path("log"), {.env = {}, .file_size_limit = limit});
  EXPECT_TRUE(failed_cleanly(run, "model.safetensors: write failed"));
  EXPECT_TRUE(contains(run.err, "File too large")) << run.err;
  EXPECT_EQ(tree(path("m")), before);
  EXPECT_EQ(leftovers(dir_), std::vector<std::string>{});
  expect_loadable();
}

TEST_F(ModelDirCli, ASecondWriterIsRefusedWhileTheFirstRuns) {
  const auto before = trained();
  const pid_t first = start_knob(train_args("100000"), path("first"));
  // Wait until the first run holds the lock (its staging directory has a metrics file).
  for (int i = 0; i < 600 && !fs::exists(path(".m.partial/metrics.csv")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const KnobRun second = run_knob(train_args("10"), path("second"));
  EXPECT_TRUE(failed_cleanly(second, "another process is writing it"));
  const KnobRun finetune = run_knob({"finetune", "--model", path("other"), "--method", "full",
                                     "--out", path("m"), "--steps", "2"},
                                    path("finetune"));
  EXPECT_TRUE(failed_cleanly(finetune, "another process is writing it"));
  ::kill(first, SIGKILL);
  finish_knob(first, path("first"));
  EXPECT_EQ(tree(path("m")), before);
  expect_loadable();
}

}  // namespace
}  // namespace knob::reliability
