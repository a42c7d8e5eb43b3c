// Every ordinary failure of the system is one clear line naming the path and the reason, with
// exit status 1, never "internal error" or a signal: a file where a directory is expected, a path
// under /proc (where nothing can be created, even by root), a name too long, a full device
// (/dev/full gives ENOSPC; the test uses a private node of it where it can), a file-size limit
// (RLIMIT_FSIZE gives EFBIG), a model too large for the memory there is (checked before allocating;
// KNOB_MEMORY_LIMIT caps it), and running out of memory. Runs the real knob program
// (KNOB_PROGRAM).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "knob_process.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

class OsFailures : public ModelAndBatch {
 protected:
  void SetUp() override {
#ifndef KNOB_PROGRAM
    GTEST_SKIP() << "the knob program is not part of this build";
#endif
    ModelAndBatch::SetUp();
  }

  KnobRun knob(const std::vector<std::string>& args, const KnobOptions& options = {}) {
    return run_knob(args, path("log"), options);
  }
  KnobRun grads(const std::string& out, const KnobOptions& options = {}) {
    return knob(
        {"grads", "--model", path("model"), "--batch", path("batch.safetensors"), "--out", out},
        options);
  }
  KnobRun train(const std::string& out, std::vector<std::string> extra = {},
                const KnobOptions& options = {}) {
    std::vector<std::string> args = {"train",       "--steps", "2",     "-q",
                                     "--eval-rows", "4",       "--out", out};
    for (const auto& [option, value] : {std::pair{"--batch", "2"}, std::pair{"--digits", "1"}}) {
      if (std::find(extra.begin(), extra.end(), option) == extra.end()) {
        args.insert(args.end(), {option, value});
      }
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return knob(args, options);
  }
};

TEST_F(OsFailures, AFileWhereADirectoryIsExpected) {
  write_text(path("afile"), "x");
  EXPECT_TRUE(failed_cleanly(train(path("afile")), "afile: exists and is not a directory"));
  EXPECT_TRUE(failed_cleanly(train(path("afile/m")), "Not a directory"));
  EXPECT_TRUE(failed_cleanly(grads(path("afile/g.safetensors")), "Not a directory"));
  fs::create_directories(path("adir"));
  EXPECT_TRUE(failed_cleanly(grads(path("adir")), "adir: is a directory"));
  EXPECT_TRUE(failed_cleanly(knob({"tour", "--out-dir", path("afile")}), "afile"));
  EXPECT_EQ(file_content(path("afile")), "x");
}

TEST_F(OsFailures, PlacesWhereNothingCanBeCreated) {
  // /proc refuses new entries even to root (a read-only directory does not stop root).
  EXPECT_TRUE(failed_cleanly(train("/proc/knob-model"), "/proc/"));
  EXPECT_TRUE(failed_cleanly(grads("/proc/self/g.safetensors"), "/proc/self/g.safetensors"));
  EXPECT_TRUE(failed_cleanly(
      knob({"export-peft", "--adapter", path("none"), "--out", "/proc/knob-peft"}), "/proc/"));
}

TEST_F(OsFailures, NamesTooLongAndNamesJustShortEnough) {
  EXPECT_TRUE(failed_cleanly(train(path(std::string(300, 'm'))), "File name too long"));
  EXPECT_TRUE(failed_cleanly(grads(path(std::string(300, 'g'))), "File name too long"));
  // 250 bytes is a legal name: knob's own temporary names must fit around it.
  EXPECT_TRUE(succeeded(grads(path(std::string(250, 'g')))));
  EXPECT_TRUE(succeeded(train(path(std::string(250, 'm')))));
  EXPECT_TRUE(fs::exists(path(std::string(250, 'm') + "/model.safetensors")));
}

// The device `name` of /dev, or, where this process may create device nodes (root), a node of
// the same device in the scratch directory: a knob that wrongly replaced its output would then
// only replace the copy, never the machine's /dev/full or /dev/null.
std::string device_like(const std::string& name, const std::string& scratch_path) {
  struct stat info {};
  if (::stat(("/dev/" + name).c_str(), &info) != 0 || !S_ISCHR(info.st_mode)) return "";
  if (::mknod(scratch_path.c_str(), S_IFCHR | 0666, info.st_rdev) == 0) return scratch_path;
  return "/dev/" + name;  // not root: /dev is not writable, nothing can replace the device
}

TEST_F(OsFailures, AFullDeviceIsWrittenIntoNeverReplaced) {
  const std::string full = device_like("full", path("full"));
  const std::string null = device_like("null", path("null"));
  if (full.empty() || null.empty()) GTEST_SKIP() << "no /dev/full or /dev/null here";
  struct stat before {};
  ASSERT_EQ(::stat(full.c_str(), &before), 0);
  EXPECT_TRUE(failed_cleanly(grads(full), full + ": write failed after 0 of"));
  EXPECT_TRUE(failed_cleanly(grads(full), "No space left on device"));
  struct stat after {};
  ASSERT_EQ(::stat(full.c_str(), &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << full << " was replaced";
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  EXPECT_TRUE(succeeded(grads(null)));
  ASSERT_EQ(::stat(null.c_str(), &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << null << " was replaced";
}

TEST_F(OsFailures, AFileSizeLimitIsAnErrorAndKeepsTheOldFile) {
  ASSERT_TRUE(succeeded(grads(path("g.safetensors"))));
  const std::string old = file_content(path("g.safetensors"));
  const KnobRun run = grads(path("g.safetensors"), {.env = {}, .file_size_limit = 1000});
  EXPECT_TRUE(failed_cleanly(run, "File too large"));
  EXPECT_TRUE(contains(run.err, path("g.safetensors"))) << run.err;
  EXPECT_EQ(file_content(path("g.safetensors")), old);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(OsFailures, AModelTooLargeForTheMemoryIsRefusedBeforeAllocating) {
  const KnobOptions capped{.env = {"KNOB_MEMORY_LIMIT=1M"}, .file_size_limit = -1};
  const KnobRun run = train(path("m"), {}, capped);  // SPEC's tiny model needs ~2.8 MiB to train
  EXPECT_TRUE(failed_cleanly(run, "needs about"));
  EXPECT_TRUE(contains(run.err, "for training but only 1.0 MiB are available (KNOB_MEMORY_LIMIT)"))
      << run.err;
  EXPECT_FALSE(contains(run.out, "training ")) << "it started training";
  EXPECT_TRUE(failed_cleanly(knob({"eval", "--model", path("model")},
                                  {.env = {"KNOB_MEMORY_LIMIT=1K"}, .file_size_limit = -1}),
                             "for its weights"));
  EXPECT_TRUE(failed_cleanly(train(path("m"), {}, {.env = {"KNOB_MEMORY_LIMIT=lots"}}),
                             "KNOB_MEMORY_LIMIT: expected a size"));
  // A config within knob's limits (2^31 parameters) but needing 32 GiB to train.
  write_text(path("huge.json"),
             R"({"vocab_size": 8388608, "d_model": 128, "n_heads": 4, "n_layers": 1,
                 "d_ff": 64, "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5})");
  EXPECT_TRUE(failed_cleanly(
      train(path("m"), {"--config", path("huge.json")}, {.env = {"KNOB_MEMORY_LIMIT=8G"}}),
      "needs about"));
}

// GCC says __SANITIZE_ADDRESS__ under AddressSanitizer; clang 14 says __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define KNOB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KNOB_UNDER_ASAN 1
#endif
#endif

TEST_F(OsFailures, OutOfMemoryIsAnErrorNotAnInternalError) {
#if defined(KNOB_UNDER_ASAN)
  GTEST_SKIP() << "AddressSanitizer needs far more address space than the limit leaves";
#else
  // 30 MB of address space: knob starts, but the training step's buffers do not fit
  // (std::bad_alloc, too small a model for the memory check to look at the machine).
  const KnobRun run = train(path("m"), {"--batch", "64", "--digits", "8"},
                            {.env = {}, .file_size_limit = -1, .address_space_limit = 30 << 20});
  EXPECT_TRUE(failed_cleanly(run, "out of memory")) << "see knob_process.h";
  EXPECT_FALSE(fs::exists(path("m")));
#endif
}

}  // namespace
}  // namespace knob::reliability
