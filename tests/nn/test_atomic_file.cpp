// Tests of atomic file replacement: a failed write (injected, or thrown by the writer) keeps the
// previous content and leaves no temporary file behind.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/scratch_dir.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"

namespace knob::nn {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A scratch directory per test that also lists what it contains.
class AtomicFile : public test::ScratchDir {
 protected:
  void TearDown() override {
    knob::nn::testing::fail_next_write_after(-1);
    ScratchDir::TearDown();
  }
  /// Every entry of the directory, hidden files included (that is where temporaries would be).
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(AtomicFile, CreatesAndReplacesFiles) {
  atomic_write_bytes(path("a.txt"), "first");
  EXPECT_EQ(read_all(path("a.txt")), "first");
  atomic_write_bytes(path("a.txt"), std::string("sec\0nd", 6));
  EXPECT_EQ(read_all(path("a.txt")), std::string("sec\0nd", 6));
  atomic_write(path("a.txt"), [](std::ostream& out) { out << "third " << 3; });
  EXPECT_EQ(read_all(path("a.txt")), "third 3");
  atomic_write_bytes(path("a.txt"), "");
  EXPECT_EQ(read_all(path("a.txt")), "");
  EXPECT_EQ(entries(), std::vector<std::string>{"a.txt"});
}

TEST_F(AtomicFile, InjectedFailureKeepsTheOldContentAndNoTemporaryFile) {
  atomic_write_bytes(path("model.bin"), "the good old content");
  knob::nn::testing::fail_next_write_after(5);
  try {
    atomic_write_bytes(path("model.bin"), "new content that will be cut short");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.starts_with(path("model.bin") + ": ")) << message;
    EXPECT_NE(message.find("write failed after 5 of 34 bytes"), std::string::npos) << message;
  }
  EXPECT_EQ(read_all(path("model.bin")), "the good old content");
  EXPECT_EQ(entries(), std::vector<std::string>{"model.bin"});
}

TEST_F(AtomicFile, InjectionAppliesToOneWriteOnly) {
  knob::nn::testing::fail_next_write_after(0);
  EXPECT_THROW(atomic_write_bytes(path("x"), "abc"), FileError);
  EXPECT_TRUE(entries().empty());  // no new file, no temporary
  atomic_write_bytes(path("x"), "abc");
  EXPECT_EQ(read_all(path("x")), "abc");
}

TEST_F(AtomicFile, InjectedFailureThroughTheStreamInterface) {
  atomic_write_bytes(path("log.csv"), "old");
  knob::nn::testing::fail_next_write_after(2);
  EXPECT_THROW(atomic_write(path("log.csv"), [](std::ostream& out) { out << "newer"; }), FileError);
  EXPECT_EQ(read_all(path("log.csv")), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"log.csv"});
}

TEST_F(AtomicFile, WriterExceptionPropagatesAndKeepsTheOldContent) {
  atomic_write_bytes(path("cfg.json"), "{}");
  EXPECT_THROW(atomic_write(path("cfg.json"),
                            [](std::ostream& out) {
                              out << "{\"half\":";
                              throw std::runtime_error("writer gave up");
                            }),
               std::runtime_error);
  EXPECT_EQ(read_all(path("cfg.json")), "{}");
  EXPECT_EQ(entries(), std::vector<std::string>{"cfg.json"});
}

TEST_F(AtomicFile, MissingDirectoryIsAFileErrorNamingThePath) {
  const std::string target = path("no/such/dir/file.bin");
  try {
    atomic_write_bytes(target, "x");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(target + ": cannot create a temporary file"))
        << e.what();
  }
}

TEST_F(AtomicFile, ReplacingAFileKeepsItsPermissions) {
  atomic_write_bytes(path("secret"), "v1");
  ASSERT_EQ(::chmod(path("secret").c_str(), 0600), 0);
  atomic_write_bytes(path("secret"), "v2");
  struct stat info {};
  ASSERT_EQ(::stat(path("secret").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_EQ(read_all(path("secret")), "v2");
}

}  // namespace
}  // namespace knob::nn
