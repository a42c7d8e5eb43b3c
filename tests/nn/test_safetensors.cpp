// Tests of the safetensors reader and writer: round trips, the exact bytes of small files built
// by hand, and one test per kind of malformed file (each must give a one-line FileError that
// names the file and the problem).
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/tensor.h"
#include "common/scratch_dir.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/io/safetensors.h"

namespace knob::nn {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------- helpers ----

/// 8 bytes, little-endian: the header length field.
std::string u64_le(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out;
}

/// A file from its header text and data buffer, exactly as given (no padding added).
std::string make_file(const std::string& header, const std::string& data = "") {
  return u64_le(header.size()) + header + data;
}

/// `n` zero bytes of data buffer.
std::string zeros_data(std::size_t n) {
  std::string data(n, '\0');
  return data;
}

/// Parse `bytes` as "bad.safetensors" and check it fails with a one-line FileError that starts
/// with the file name and contains `fragment`.
void expect_file_error(const std::string& bytes, const std::string& fragment) {
  try {
    parse_safetensors(bytes, "bad.safetensors");
    ADD_FAILURE() << "expected a FileError containing '" << fragment << "'";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.starts_with("bad.safetensors: ")) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
  }
}

class SafetensorsFiles : public test::ScratchDir {};

void expect_same_tensor(const Tensor& expected, const Tensor& actual) {
  ASSERT_TRUE(actual.defined());
  EXPECT_EQ(actual.dtype(), expected.dtype());
  EXPECT_EQ(actual.shape(), expected.shape());
  EXPECT_EQ(actual.to_vector(), expected.to_vector());
}

// ------------------------------------------------------------------------ round trips ----

TEST_F(SafetensorsFiles, RoundTripsEveryWritableDtypeScalarsAndEmptyTensors) {
  const NamedTensors tensors = {
      {"weight", tensor({0.1, -2.5, 3e-8, 1e30, -0.0, 7.0}, {2, 3}, DType::f32)},
      {"double", tensor({1.0 / 3.0, -1e-300, 2.0, 4.0}, {4}, DType::f64)},
      {"ids", int_tensor({-5, 0, std::int64_t{1} << 40}, {3})},
      {"scalar", scalar(2.718281828459045, DType::f64)},
      {"empty", zeros({0, 3}, DType::f32)},
  };
  write_safetensors(path("t.safetensors"), tensors);
  const SafetensorsFile file = read_safetensors(path("t.safetensors"));
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) expect_same_tensor(t, file.at(name));
  EXPECT_EQ(file.at("scalar").dim(), 0);
  EXPECT_EQ(file.at("empty").numel(), 0);
  EXPECT_TRUE(file.metadata.empty());
  EXPECT_EQ(file.source, path("t.safetensors"));
}

TEST_F(SafetensorsFiles, MetadataRoundTrips) {
  const std::map<std::string, std::string> metadata = {
      {"format", "knob"}, {"config", R"({"d_model": 64})"}, {"empty", ""}};
  write_safetensors(path("m.safetensors"), {{"x", ones({2}, DType::f64)}}, metadata);
  const SafetensorsFile file = read_safetensors(path("m.safetensors"));
  EXPECT_EQ(file.metadata, metadata);
}

TEST_F(SafetensorsFiles, FileWithNoTensorsRoundTrips) {
  write_safetensors(path("none.safetensors"), {});
  const SafetensorsFile file = read_safetensors(path("none.safetensors"));
  EXPECT_TRUE(file.tensors.empty());
}

TEST(Safetensors, SerializationIsDeterministicWhateverTheInputOrder) {
  const Tensor a = tensor({1, 2}, {2});
  const Tensor b = tensor({3}, {1});
  EXPECT_EQ(serialize_safetensors({{"a", a}, {"b", b}}),
            serialize_safetensors({{"b", b}, {"a", a}}));
}

// ------------------------------------------------------------ exact bytes, built by hand ----

TEST(Safetensors, WritesExactlyTheExpectedBytesForOneF32Tensor) {
  // Header: 54 bytes of JSON + 2 spaces of padding = 56 = 0x38; then 1.0f, -2.0f little-endian.
  const std::string expected = std::string("\x38\0\0\0\0\0\0\0", 8) +
                               R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})" + "  " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  EXPECT_EQ(serialize_safetensors({{"x", tensor({1.0, -2.0}, {2}, DType::f32)}}), expected);
}

TEST(Safetensors, WritesMetadataFirstAndWiderElementsFirst) {
  // 133 bytes of JSON + 3 spaces = 136 = 0x88. 'b' (F64) precedes 'a' (F32) in the buffer so
  // that both are aligned to their element size. 0.5 = 0x3FE0000000000000.
  const std::string expected =
      std::string("\x88\0\0\0\0\0\0\0", 8) +
      R"({"__metadata__":{"k":"v"},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
      R"("a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})" +
      "   " + std::string("\x00\x00\x00\x00\x00\x00\xe0\x3f", 8) +
      std::string("\x00\x00\x80\x3f", 4);
  const std::string actual = serialize_safetensors(
      {{"a", tensor({1.0}, {1}, DType::f32)}, {"b", tensor({0.5}, {1}, DType::f64)}}, {{"k", "v"}});
  EXPECT_EQ(actual, expected);
}

TEST(Safetensors, ReadsAHandBuiltFileWithTensorsInOffsetOrder) {
  // The JSON lists 'a' first, but 'z' comes first in the buffer; the header is unpadded.
  const std::string header = R"({"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]},)"
                             R"("z":{"shape":[1],"data_offsets":[0,4],"dtype":"F32"}})";
  const std::string data = std::string("\x00\x00\x80\x3f", 4) + std::string("\x00\x00\x00\xc0", 4);
  const SafetensorsFile file = parse_safetensors(make_file(header, data), "hand.safetensors");
  ASSERT_EQ(file.tensors.size(), 2U);
  EXPECT_EQ(file.tensors[0].first, "z");
  EXPECT_EQ(file.tensors[1].first, "a");
  EXPECT_EQ(file.at("z").to_vector(), std::vector<double>{1.0});
  EXPECT_EQ(file.at("a").dim(), 0);
  EXPECT_EQ(file.at("a").item(), -2.0);
}

TEST(Safetensors, ReadsI32AsI64) {
  const std::string header = R"({"ids":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})";
  std::string data(16, '\0');
  const std::int32_t values[4] = {1, -2, 3, 2147483647};
  std::memcpy(data.data(), values, 16);
  const Tensor ids = parse_safetensors(make_file(header, data), "ids.safetensors").at("ids");
  EXPECT_EQ(ids.dtype(), DType::i64);
  EXPECT_EQ(ids.shape(), (Shape{2, 2}));
  EXPECT_EQ(ids.to_int_vector(), (std::vector<std::int64_t>{1, -2, 3, 2147483647}));
}

TEST(Safetensors, AtNamesTheFileAndTheMissingTensor) {
  const SafetensorsFile file =
      parse_safetensors(serialize_safetensors({{"input_ids", int_tensor({1}, {1})}}), "b.st");
  EXPECT_TRUE(file.contains("input_ids"));
  EXPECT_FALSE(file.contains("targets"));
  try {
    file.at("targets");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_STREQ(e.what(), "b.st: no tensor named 'targets' (the file has: 'input_ids')");
  }
}

// ------------------------------------------------------------------ writer argument errors ----

TEST(Safetensors, WriterRejectsDuplicateReservedAndUndefined) {
  const Tensor t = ones({1});
  EXPECT_THROW(serialize_safetensors({{"a", t}, {"a", t}}), ValueError);
  EXPECT_THROW(serialize_safetensors({{"__metadata__", t}}), ValueError);
  EXPECT_THROW(serialize_safetensors({{"a", Tensor()}}), ValueError);
  EXPECT_THROW(serialize_safetensors({{std::string("\xff\xfe"), t}}), ValueError);
}

// --------------------------------------------------------------------- malformed files ----

// A valid entry for one F32 element, to embed in headers.
constexpr const char* kOneFloat = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";

TEST(SafetensorsMalformed, ShorterThanTheLengthField) {
  expect_file_error("abc", "too short");
  expect_file_error("", "0 bytes long");
}

TEST(SafetensorsMalformed, HeaderLengthBeyondTheFile) {
  expect_file_error(u64_le(100) + "{}", "header length 100 is larger than the 2 bytes");
}

TEST(SafetensorsMalformed, HeaderLengthAbsurd) {
  expect_file_error(u64_le(std::uint64_t{1} << 62) + "{}", "absurd");
  expect_file_error(u64_le(~std::uint64_t{0}) + "{}", "absurd");
}

TEST(SafetensorsMalformed, JsonSyntaxError) {
  expect_file_error(make_file(R"({"x":)"), "header is not valid JSON");
  expect_file_error(make_file("{\"x\xff\":1}"), "header is not valid JSON");  // bad UTF-8
}

TEST(SafetensorsMalformed, HeaderNotAnObject) {
  expect_file_error(make_file("[1,2]"), "header must be a JSON object, got array");
}

TEST(SafetensorsMalformed, EntryNotAnObject) {
  expect_file_error(make_file(R"({"x":5})"), "tensor 'x': entry must be an object");
}

TEST(SafetensorsMalformed, MissingField) {
  expect_file_error(make_file(R"({"x":{"dtype":"F32","shape":[1]}})", zeros_data(4)),
                    "tensor 'x': missing field 'data_offsets'");
  expect_file_error(make_file(R"({"x":{"shape":[1],"data_offsets":[0,4]}})", zeros_data(4)),
                    "missing field 'dtype'");
}

TEST(SafetensorsMalformed, WrongTypedFields) {
  expect_file_error(
      make_file(R"({"x":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", zeros_data(4)),
      "'dtype' must be a string");
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", zeros_data(4)),
      "'shape' must be an array");
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":"0-4"}})", zeros_data(4)),
      "'data_offsets' must be two non-negative integers");
}

TEST(SafetensorsMalformed, UnexpectedField) {
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offset":[0,4]}})", zeros_data(4)),
      "unexpected field 'data_offset'");
}

TEST(SafetensorsMalformed, UnknownAndUnsupportedDtypes) {
  expect_file_error(
      make_file(R"({"x":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", zeros_data(4)),
      "tensor 'x': unknown dtype 'F33'");
  expect_file_error(
      make_file(R"({"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", zeros_data(4)),
      "tensor 'x': unsupported dtype 'BF16'");
  expect_file_error(
      make_file(R"({"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", zeros_data(4)),
      "unsupported dtype 'U8'");
}

TEST(SafetensorsMalformed, NegativeOrNonIntegerShape) {
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", zeros_data(4)),
      "negative extent -1");
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", zeros_data(4)),
      "non-integer extent 1.5");
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", zeros_data(4)),
      "non-integer extent");
}

TEST(SafetensorsMalformed, HugeElementCountIsAnErrorBeforeAnyAllocation) {
  // 10^12 elements claimed over 4 bytes of data: rejected by arithmetic, nothing allocated.
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4]}})",
                zeros_data(4)),
      "shape [1000000,1000000] needs 4000000000000 bytes of F32 but data_offsets span 4");
  // 2^32 · 2^32 · 4 bytes does not even fit in 64 bits.
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                zeros_data(4)),
      "overflows");
  // A zero extent makes the product 0 even next to huge ones.
  const SafetensorsFile file = parse_safetensors(
      make_file(R"({"x":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}})"),
      "zero.safetensors");
  EXPECT_EQ(file.at("x").numel(), 0);
}

TEST(SafetensorsMalformed, ShapeDisagreesWithOffsets) {
  const std::string header =
      R"({"head.weight":{"dtype":"F32","shape":[32,64],"data_offsets":[0,4096]}})";
  try {
    parse_safetensors(make_file(header, zeros_data(4096)), "model.safetensors");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_STREQ(e.what(),
                 "model.safetensors: tensor 'head.weight': shape [32,64] needs 8192 bytes of F32 "
                 "but data_offsets span 4096");
  }
}

TEST(SafetensorsMalformed, OffsetsNotTwoOrderedNonNegativeIntegers) {
  for (const char* offsets : {"[0]", "[0,4,8]", "[-1,3]", "[0,4.0]", "[]"}) {
    expect_file_error(make_file(std::string(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":)") +
                                    offsets + "}}",
                                zeros_data(4)),
                      "'data_offsets' must be two non-negative integers");
  }
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", zeros_data(8)),
      "data_offsets [8,4] end before they begin");
}

TEST(SafetensorsMalformed, OffsetsBeyondTheBuffer) {
  expect_file_error(
      make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", zeros_data(4)),
      "data_offsets [0,8] go past the end of the data buffer (4 bytes)");
}

TEST(SafetensorsMalformed, OverlappingTensors) {
  expect_file_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                              zeros_data(12)),
                    "tensors 'a' (data_offsets [0,8]) and 'b' (data_offsets [4,12]) overlap");
  // Two names for the same bytes are an overlap too.
  expect_file_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                              zeros_data(4)),
                    "overlap");
}

TEST(SafetensorsMalformed, BytesNotCoveredByAnyTensor) {
  // A gap between two tensors.
  expect_file_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                              zeros_data(12)),
                    "bytes [4,8) of the data buffer are not covered by any tensor");
  // Trailing bytes after the last tensor.
  expect_file_error(make_file(std::string(R"({"a":)") + kOneFloat + "}", zeros_data(8)),
                    "bytes [4,8) of the data buffer are not covered by any tensor");
  // Data but no tensors at all.
  expect_file_error(make_file("{}", zeros_data(3)), "bytes [0,3)");
}

TEST(SafetensorsMalformed, DuplicateNames) {
  expect_file_error(
      make_file(std::string(R"({"a":)") + kOneFloat + R"(,"a":)" + kOneFloat + "}", zeros_data(4)),
      "header has the key 'a' twice");
  // Inside an entry too: which dtype would be meant?
  expect_file_error(
      make_file(R"({"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
                zeros_data(4)),
      "header has the key 'dtype' twice");
}

TEST(SafetensorsMalformed, MetadataNotStrings) {
  expect_file_error(make_file(R"({"__metadata__":{"epoch":1}})"),
                    "'__metadata__' value of 'epoch' must be a string, got number 1");
  expect_file_error(make_file(R"({"__metadata__":["a"]})"),
                    "'__metadata__' must be an object of strings, got array");
}

TEST(SafetensorsMalformed, MutatedAndTruncatedFilesNeverCrash) {
  // Damage a valid file in many random ways: each result must parse or throw FileError, and
  // nothing else (no crash, no std::bad_alloc from a trusted huge size).
  const std::string valid = serialize_safetensors(
      {{"w", tensor({1, 2, 3, 4, 5, 6}, {2, 3})}, {"ids", int_tensor({7, 8}, {2})}},
      {{"format", "knob"}});
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = valid;
    const int damage = static_cast<int>(rng() % 3);
    if (damage == 0) {
      bytes.resize(rng() % bytes.size());
    } else {
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips; ++i) {
        // Aim at the length field and the header more often than at the data.
        const std::size_t limit =
            damage == 1 ? std::min<std::size_t>(bytes.size(), 24) : bytes.size();
        bytes[rng() % limit] = static_cast<char>(rng() % 256);
      }
    }
    try {
      parse_safetensors(bytes, "fuzz.safetensors");
    } catch (const FileError& e) {
      ++rejected;
      ASSERT_TRUE(std::string(e.what()).starts_with("fuzz.safetensors: ")) << e.what();
    }
  }
  EXPECT_GT(rejected, 1000);  // the damage really was damage
}

// ------------------------------------------------------------------- files on disk ----

TEST_F(SafetensorsFiles, MissingFileAndDirectoryAreFileErrors) {
  try {
    read_safetensors(path("absent.safetensors"));
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(std::string(e.what()), path("absent.safetensors") + ": no such file");
  }
  EXPECT_THROW(read_safetensors(dir_.string()), FileError);
}

TEST_F(SafetensorsFiles, TruncatedFileOnDiskNamesThePath) {
  const std::string bytes = serialize_safetensors({{"w", ones({4, 4})}});
  std::ofstream(path("cut.safetensors"), std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 10));
  try {
    read_safetensors(path("cut.safetensors"));
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(path("cut.safetensors") + ": ")) << e.what();
  }
}

TEST_F(SafetensorsFiles, FailedWriteKeepsThePreviousFile) {
  write_safetensors(path("w.safetensors"), {{"w", full({3}, 1.5)}});
  testing::fail_next_write_after(20);
  EXPECT_THROW(write_safetensors(path("w.safetensors"), {{"w", full({100}, 9.0)}}), FileError);
  const SafetensorsFile file = read_safetensors(path("w.safetensors"));
  EXPECT_EQ(file.at("w").to_vector(), (std::vector<double>{1.5, 1.5, 1.5}));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace knob::nn
