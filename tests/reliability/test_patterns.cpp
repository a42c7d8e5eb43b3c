// Patterns from adapter files (PEFT's target_modules as a string) are untrusted: matching costs
// time linear in the module path whatever the pattern, deep groups do not recurse, and what
// cannot be matched that way (lookaround, backreferences, huge counted repetitions, patterns
// longer than kMaxPatternBytes) is refused with an error naming the pattern and the file.
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "autograd/error.h"
#include "ia3/adapter_config.h"
#include "ia3/adapter_file.h"
#include "nn/base/file_error.h"
#include "nn/io/safetensors.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ia3::ModuleSelector pattern(const std::string& regex) { return {{}, regex}; }

std::string refusal(const std::string& regex) {
  try {
    ia3::check_pattern(regex);
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_LT(message.size(), 400u) << message.substr(0, 400);
    return message;
  }
  ADD_FAILURE() << "the pattern was accepted: " << regex.substr(0, 100);
  return "";
}

TEST(Patterns, PeftFullMatchSemanticsAreKept) {
  const ia3::ModuleSelector kv = pattern(R"(blocks\.\d+\.attn\.(k|v)_proj)");
  EXPECT_TRUE(kv.matches("blocks.12.attn.v_proj"));
  EXPECT_FALSE(kv.matches("blocks.1.attn.q_proj"));
  EXPECT_FALSE(kv.matches("xblocks.1.attn.k_proj"));   // the whole path must match
  EXPECT_FALSE(kv.matches("blocks.1.attn.k_proj.x"));  // ... to its end
  EXPECT_TRUE(pattern(R"(.*\.(?:k_proj|down))").matches("blocks.0.ffn.down"));
  EXPECT_TRUE(pattern(R"((?P<layer>blocks\.0)\..*)").matches("blocks.0.attn.k_proj"));
}

TEST(Patterns, BacktrackingPatternsTakeLinearTime) {
  // A backtracking engine needs 2^n steps for these on a path of n letters without the end
  // it wants; each of them must take well under a second here.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"(a|aa)*c", std::string(4000, 'a')},
      {"(x+x+)+y", std::string(4000, 'x')},
      {"(a*)*b", std::string(4000, 'a')},
      {"(.*a){20}z", std::string(4000, 'a')},
  };
  for (const auto& [regex, path] : cases) {
    const Clock::time_point start = Clock::now();
    EXPECT_FALSE(pattern(regex).matches(path)) << regex;
    EXPECT_LT(seconds_since(start), 1.0) << regex;
  }
}

TEST(Patterns, DeeplyNestedGroupsNeedNoRecursion) {
  const std::string deep = std::string(2000, '(') + "k_proj" + std::string(2000, ')');
  EXPECT_TRUE(pattern(deep).matches("k_proj"));
  EXPECT_FALSE(pattern(deep).matches("v_proj"));
  // Deeper than the length limit allows: refused before compiling (a recursive compiler would
  // exhaust the stack here).
  const std::string deeper = std::string(200'000, '(') + "k" + std::string(200'000, ')');
  const std::string message = refusal(deeper);
  EXPECT_TRUE(contains(message, "is longer than 4096 bytes")) << message;
  EXPECT_TRUE(contains(message, "(400001 bytes)")) << message;
}

TEST(Patterns, WhatCannotBeMatchedSafelyIsRefusedWithTheReason) {
  EXPECT_TRUE(contains(refusal("(?=.*k_proj).*"), "lookaround and backreferences are not"));
  EXPECT_TRUE(contains(refusal(R"((k)_proj\1)"), "cannot use the pattern '(k)_proj\\\\1'"));
  EXPECT_TRUE(contains(refusal("((a{1000}){1000}){1000}"), "repetition"));
  EXPECT_TRUE(contains(refusal("(k_proj"), "missing )"));
  EXPECT_THROW(pattern("(?<=x)k").matches("k"), ValueError);
}

TEST(Patterns, ManyNamesAreLookedUpNotScanned) {
  ia3::ModuleSelector names;
  for (int i = 0; i < 200'000; ++i) names.names.push_back(fmt::format("layer{}", i));
  const ia3::SelectorMatcher matcher(names);
  const Clock::time_point start = Clock::now();
  int matched = 0;
  for (int i = 0; i < 200'000; ++i) {
    matched += matcher.matches(fmt::format("model.blocks.{}.layer{}", i, i));
  }
  EXPECT_EQ(matched, 200'000);
  EXPECT_FALSE(matcher.matches("model.xlayer1"));  // a suffix counts only from a '.'
  EXPECT_LT(seconds_since(start), 10.0);           // 4·10^10 comparisons if every name were tried
}

class PatternFiles : public ScratchDir {
 protected:
  // A PEFT directory whose target_modules is `regex` and whose one tensor scales `module`.
  void write_peft(const std::string& regex, const std::string& module) {
    fs::create_directories(path("peft"));
    std::string escaped;
    for (const char c : regex)
      escaped += c == '\\' || c == '"' ? std::string{'\\', c} : std::string{c};
    write_text(path("peft/adapter_config.json"), R"({"peft_type":"IA3","target_modules":")" +
                                                     escaped + R"(","feedforward_modules":[]})");
    nn::write_safetensors(path("peft/adapter_model.safetensors"),
                          {{"base_model.model." + module + ".ia3_l", ones({4, 1})}});
  }
};

TEST_F(PatternFiles, ARefusedPatternNamesTheFileAndTheKey) {
  write_peft("(?!q_proj).*", "blocks.0.attn.k_proj");
  try {
    ia3::import_peft(path("peft"));
    FAIL() << "a lookahead was accepted";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "adapter_config.json: 'target_modules'")) << message;
    EXPECT_TRUE(contains(message, "(?!q_proj)")) << message;
  }
}

TEST_F(PatternFiles, ABacktrackingPatternOnALongModulePathIsQuick) {
  // About the longest module path a tensor name allows (nn::kMaxNameBytes); a backtracking
  // engine tries every split of the a's into ones and twos: far more than 2^500 of them.
  write_peft("(a|aa)*c", std::string(nn::kMaxNameBytes - 24, 'a'));
  const Clock::time_point start = Clock::now();
  EXPECT_THROW(ia3::import_peft(path("peft")), FileError);  // the module is not selected
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST_F(PatternFiles, AGoodPatternStillImports) {
  write_peft(R"(blocks\.\d+\.attn\.(k|v)_proj)", "blocks.0.attn.k_proj");
  const ia3::AdapterFile adapter = ia3::import_peft(path("peft"));
  ASSERT_EQ(adapter.vectors.size(), 1u);
  EXPECT_EQ(adapter.vectors.front().first, "blocks.0.attn.l_k");
}

}  // namespace
}  // namespace knob::reliability
