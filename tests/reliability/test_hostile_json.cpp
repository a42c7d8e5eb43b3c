// Hostile JSON in every file knob reads (a safetensors header, config.json, PEFT's
// adapter_config.json, the JSON kept in a knob adapter's metadata): nesting is bounded instead of
// recursed into, repeated keys are refused, numbers out of range are errors, and a value quoted
// in an error is cut to a short, printable excerpt that says how long it was.
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "autograd/error.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "nn/base/file_error.h"
#include "nn/base/json_input.h"
#include "nn/io/safetensors.h"
#include "nn/layers/transformer_config.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

// An 8-byte little-endian header length, the header, then the data.
std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  std::string out;
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string out;
  for (std::size_t i = 0; i < depth; ++i) out += "{\"x\":";
  out += "1";
  return out + std::string(depth, '}');
}

// The message of the knob::Error that `action` throws (a test failure when it throws nothing
// or something else), checked to be short (under `max_bytes`) and printable. A config's list of
// problems is the one message written on several lines (the command line joins them).
template <class Action>
std::string error_of(Action action, bool one_line = true, std::size_t max_bytes = 400) {
  try {
    action();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_LT(message.size(), max_bytes) << message.substr(0, max_bytes);
    EXPECT_EQ(message.find_first_of(one_line ? "\n\r\x1b" : "\r\x1b"), std::string::npos)
        << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a knob::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::string parse_error(const std::string& bytes) {
  return error_of([&] { nn::parse_safetensors(bytes, "h.safetensors"); });
}

std::string config_error(const std::string& text) {
  return error_of([&] { nn::TransformerConfig::from_json(text, "config.json"); },
                  /*one_line=*/false);
}

std::string entry(const std::string& shape, const std::string& offsets = "[0,0]") {
  return R"({"dtype":"F32","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

TEST(HostileJson, DeepNestingInAShapeIsRefusedWithoutRecursion) {
  for (const std::size_t depth : {100u, 100'000u, 1'000'000u}) {
    const std::string message =
        parse_error(safetensors_bytes(R"({"t":)" + entry(nested_arrays(depth)) + "}"));
    EXPECT_TRUE(contains(message, "h.safetensors: header nests objects and arrays deeper than 64"))
        << message;
  }
}

TEST(HostileJson, DeepNestingInMetadataIsRefused) {
  for (const std::string& value : {nested_arrays(200'000), nested_objects(200'000)}) {
    const std::string message =
        parse_error(safetensors_bytes(R"({"__metadata__":{"a":)" + value + "}}"));
    EXPECT_TRUE(contains(message, "deeper than 64 levels")) << message;
  }
}

TEST(HostileJson, NestingUpToTheLimitIsParsedAndQuotedShort) {
  // Depth 64 in all (the header, __metadata__, 62 arrays): parsed, then refused as not a string.
  const std::string at_limit = R"({"__metadata__":{"a":)" + nested_arrays(62) + "}}";
  const std::string message = parse_error(safetensors_bytes(at_limit));
  EXPECT_TRUE(contains(message, "'__metadata__' value of 'a' must be a string, got array [[[["))
      << message;
  EXPECT_TRUE(contains(message, "... (124 bytes)")) << message;
  const std::string beyond = R"({"__metadata__":{"a":)" + nested_arrays(63) + "}}";
  EXPECT_TRUE(contains(parse_error(safetensors_bytes(beyond)), "deeper than 64 levels"));
}

TEST(HostileJson, MetadataValuesThatAreObjectsOrArraysAreRefused) {
  EXPECT_TRUE(contains(parse_error(safetensors_bytes(R"({"__metadata__":{"a":{"b":"c"}}})")),
                       R"(value of 'a' must be a string, got object {"b":"c"})"));
  EXPECT_TRUE(contains(parse_error(safetensors_bytes(R"({"__metadata__":[1,2]})")),
                       "'__metadata__' must be an object of strings, got array [1,2]"));
}

TEST(HostileJson, DeepNestingInConfigJsonIsRefused) {
  const std::string message = config_error(R"({"vocab_size":)" + nested_arrays(500'000) + "}");
  EXPECT_TRUE(contains(message, "config.json: config nests objects and arrays deeper than 64"))
      << message;
}

TEST(HostileJson, RepeatedKeysAreRefusedEverywhere) {
  const nn::TransformerConfig config = tiny_config();
  std::string text = config.to_json();
  text.insert(text.find('{') + 1, "\"d_model\": 16, ");
  EXPECT_TRUE(contains(config_error(text), "config has the key 'd_model' twice"));
  const std::string header =
      R"({"t":{"dtype":"F32","dtype":"F64","shape":[0],"data_offsets":[0,0]}})";
  EXPECT_TRUE(contains(parse_error(safetensors_bytes(header)), "has the key 'dtype' twice"));
}

TEST(HostileJson, LongValuesAreCutAndTheirLengthGiven) {
  const std::string long_text(1'000'000, 'x');
  std::string message = parse_error(safetensors_bytes(
      R"({"t":{"dtype":")" + long_text + R"(","shape":[1],"data_offsets":[0,4]}})",
      std::string(4, '\0')));
  EXPECT_TRUE(contains(message, "unknown dtype 'xxxx")) << message;
  EXPECT_TRUE(contains(message, "... (1000000 bytes)")) << message;

  message = parse_error(safetensors_bytes(
      R"({")" + long_text + R"(":)" + entry("[2]", "[0,4]") + "}", std::string(4, '\0')));
  EXPECT_TRUE(contains(message, "tensor 'xxxx")) << message;
  EXPECT_TRUE(contains(message, "(1000000 bytes)")) << message;

  std::string shape = "[1";
  for (int i = 0; i < 50; ++i) shape += ",1";
  shape += ",-1]";
  message = parse_error(safetensors_bytes(R"({"t":)" + entry(shape) + "}"));
  EXPECT_TRUE(contains(message, "has a negative extent -1")) << message;
  EXPECT_TRUE(contains(message, fmt::format("... ({} bytes)", shape.size()))) << message;

  message = config_error(R"({"vocab_size":")" + long_text + R"("})");
  EXPECT_TRUE(contains(message, "(1000002 bytes)")) << message;
}

TEST(HostileJson, ControlCharactersAndOddBytesInNamesAreEscaped) {
  const std::string header = "{\"a\\u0000b\\n\\u001b[31mred\":" + entry("[3]", "[0,4]") + "}";
  const std::string message = parse_error(safetensors_bytes(header, std::string(4, '\0')));
  EXPECT_TRUE(contains(message, R"(tensor 'a\x00b\n\x1b[31mred': a name may not hold control)"))
      << message;
  // Invalid UTF-8 is refused by the parser, and the byte is escaped in its message too.
  const std::string bad_utf8 = parse_error(safetensors_bytes("{\"a\xff\":1}"));
  EXPECT_TRUE(contains(bad_utf8, "not valid JSON")) << bad_utf8;
  EXPECT_TRUE(contains(bad_utf8, "\\xff")) << bad_utf8;
}

TEST(HostileJson, NamesAreBoundedAndHoldNoControlCharacters) {
  const std::string at_limit(nn::kMaxNameBytes, 'n');
  EXPECT_NO_THROW(nn::parse_safetensors(
      safetensors_bytes("{\"" + at_limit + "\":" + entry("[0]") + "}"), "at_limit"));
  std::string message =
      parse_error(safetensors_bytes("{\"" + at_limit + "n\":" + entry("[0]") + "}"));
  EXPECT_TRUE(contains(message, "... (1025 bytes)': a name may be at most 1024 bytes")) << message;
  for (const std::string escaped : {"\\u0000", "\\t", "\\u001f", "\\u007f"}) {
    message = parse_error(safetensors_bytes("{\"a" + escaped + "\":" + entry("[0]") + "}"));
    EXPECT_TRUE(contains(message, "a name may not hold control characters")) << message;
  }
  message = parse_error(safetensors_bytes(R"({"__metadata__":{"a\nb":"c"}})"));
  EXPECT_TRUE(contains(message, R"('__metadata__' key 'a\nb': a name may not hold)")) << message;
  // Metadata values may hold anything (knob keeps a pretty-printed config.json there).
  EXPECT_NO_THROW(nn::parse_safetensors(safetensors_bytes(R"({"__metadata__":{"a":"b\nc"}})"),
                                        "multi-line value"));
  // The writer refuses what the reader would: knob never writes a file it cannot read back.
  EXPECT_THROW(nn::serialize_safetensors({{at_limit + "n", zeros({1})}}), ValueError);
  EXPECT_THROW(nn::serialize_safetensors({{"a\nb", zeros({1})}}), ValueError);
  EXPECT_THROW(nn::serialize_safetensors({{"a", zeros({1})}}, {{"k\x01", "v"}}), ValueError);
  EXPECT_NO_THROW(nn::serialize_safetensors({{at_limit, zeros({1})}}, {{"k", "v\nw"}}));
}

TEST(HostileJson, AByteOrderMarkIsRefusedInAHeaderAndSkippedInAConfig) {
  EXPECT_TRUE(contains(parse_error(safetensors_bytes("\xEF\xBB\xBF{}")), "byte order mark"));
  const nn::TransformerConfig config = tiny_config();
  EXPECT_EQ(nn::TransformerConfig::from_json("\xEF\xBB\xBF" + config.to_json()), config);
}

TEST(HostileJson, TrailingGarbageIsRefused) {
  EXPECT_TRUE(contains(parse_error(safetensors_bytes("{} x")), "header is not valid JSON"));
  EXPECT_TRUE(contains(config_error(tiny_config().to_json() + "{}"), "config is not valid JSON"));
  // Trailing spaces are the padding every writer uses.
  EXPECT_NO_THROW(nn::parse_safetensors(safetensors_bytes("{}      "), "padded"));
}

TEST(HostileJson, NumbersOutOfRangeAreErrorsNotWrapped) {
  EXPECT_TRUE(contains(parse_error(safetensors_bytes(R"({"t":)" + entry("[1e400]") + "}")),
                       "number overflow"));
  EXPECT_TRUE(
      contains(parse_error(safetensors_bytes(R"({"t":)" + entry("[18446744073709551616]") + "}")),
               "non-integer extent"));
  EXPECT_TRUE(
      contains(parse_error(safetensors_bytes(R"({"t":)" + entry("[9223372036854775808]") + "}")),
               "shape extent 9223372036854775808 is too large"));
  EXPECT_TRUE(
      contains(parse_error(safetensors_bytes(
                   R"({"t":)" + entry("[1]", "[18446744073709551612,18446744073709551615]") + "}")),
               "go past the end of the data buffer"));
  std::string text = tiny_config().to_json();
  text.replace(text.find("\"vocab_size\": 7"), 15, "\"vocab_size\": 18446744073709551615");
  EXPECT_TRUE(contains(config_error(text), "\"vocab_size\" is too large: 18446744073709551615"));
}

TEST(HostileJson, ExtentsWhoseProductOverflowsAreRefusedEvenNextToAZero) {
  for (const std::string shape :
       {"[0,1099511627776,1099511627776]", "[1099511627776,0,1099511627776]",
        "[4294967296,4294967296,4294967296]"}) {
    const std::string message = parse_error(safetensors_bytes(R"({"t":)" + entry(shape) + "}"));
    EXPECT_TRUE(contains(message, "has too many elements")) << shape << ": " << message;
  }
  EXPECT_NO_THROW(
      nn::parse_safetensors(safetensors_bytes(R"({"t":)" + entry("[0,4294967296]") + "}"), "fine"));
}

TEST(HostileJson, MoreThan64DimensionsAreRefused) {
  std::string shape = "[1";
  for (int i = 1; i < 64; ++i) shape += ",1";
  EXPECT_NO_THROW(nn::parse_safetensors(
      safetensors_bytes(R"({"t":)" + entry(shape + "]", "[0,4]") + "}", std::string(4, '\0')),
      "rank64"));
  const std::string message = parse_error(
      safetensors_bytes(R"({"t":)" + entry(shape + ",1]", "[0,4]") + "}", std::string(4, '\0')));
  EXPECT_TRUE(contains(message, "shape has 65 dimensions, more than the 64")) << message;
}

class HostileAdapterJson : public ScratchDir {};

TEST_F(HostileAdapterJson, DeepAdapterConfigIsRefused) {
  fs::create_directories(path("peft"));
  write_text(path("peft/adapter_config.json"),
             R"({"peft_type":"IA3","target_modules":)" + nested_arrays(300'000) + "}");
  const std::string message = error_of([&] { ia3::import_peft(path("peft")); });
  EXPECT_TRUE(contains(message, "adapter_config.json: the file nests objects and arrays deeper"))
      << message;
}

TEST_F(HostileAdapterJson, DeepJsonInAKnobAdapterMetadataIsRefused) {
  nn::write_safetensors(path("a.safetensors"), {{"blocks.0.attn.l_k", ones({8})}},
                        {{"format", "knob-ia3"}, {"target_modules", nested_arrays(300'000)}});
  const std::string message = error_of([&] { ia3::load_adapter(path("a.safetensors")); });
  EXPECT_TRUE(contains(message, "metadata 'target_modules': value nests objects and arrays"))
      << message;
}

TEST_F(HostileAdapterJson, AdapterProblemsQuoteNamesShortAndListTenAtMost) {
  // Twenty vectors of a block the base model does not have, each with a long name.
  nn::NamedTensors vectors;
  for (int i = 0; i < 12; ++i) {
    vectors.emplace_back(fmt::format("blocks.{}.{}.attn.l_k", 5 + i, std::string(900, 'x')),
                         ones({8}));
  }
  nn::write_safetensors(path("a.safetensors"), vectors,
                        {{"format", "knob-ia3"}, {"base_config", tiny_config().to_json()}});
  // Ten problems of about 110 bytes each are shown.
  const std::string message =
      error_of([&] { ia3::load_adapter(path("a.safetensors")); }, true, 1500);
  EXPECT_TRUE(contains(message, "'blocks.10.xxxx")) << message;
  EXPECT_TRUE(contains(message, "(919 bytes)': the base model has 1 blocks")) << message;
  EXPECT_TRUE(contains(message, "; ... (2 more)")) << message;
}

TEST_F(HostileAdapterJson, ManySurplusVectorsGiveAShortError) {
  ia3::Adapter adapter(tiny_model(), ia3::AdapterConfig::spec_default());
  nn::NamedTensors vectors = adapter.vectors();
  for (int i = 0; i < 100'000; ++i) {
    vectors.emplace_back(fmt::format("blocks.0.m{}.ia3_l", i), ones({1}));
  }
  const std::string message = error_of([&] { adapter.load_vectors(vectors); });
  EXPECT_TRUE(contains(message, "unexpected: blocks.0.m0.ia3_l, blocks.0.m1.ia3_l")) << message;
  EXPECT_TRUE(contains(message, "... (99990 more)")) << message;
}

TEST_F(HostileAdapterJson, AHugeAdapterConfigIsRefusedBeforeParsing) {
  fs::create_directories(path("peft"));
  write_text(path("peft/adapter_config.json"), std::string(3 << 20, ' ') + "{}");
  const std::string message = error_of([&] { ia3::import_peft(path("peft")); });
  EXPECT_TRUE(contains(message, "is larger than 1048576 bytes")) << message;
}

}  // namespace
}  // namespace knob::reliability
