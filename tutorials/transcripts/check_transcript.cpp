// check_transcript: runs a lesson's program and compares what it prints with the transcript in
// the lesson's README (the rules are in tutorials/README.md, "How the transcripts are checked").
//
// Usage:
//   check_transcript --readme <README.md> --run <name> -- <program> [arguments...]
//   check_transcript --readme <README.md> --run <name> --output <file>
//
// Every block of the README marked `<!-- transcript <name> ... -->` is compared: the one that is
// not an excerpt with the whole output, each excerpt with some consecutive lines of it. Exits 0
// if every block matches and the program exited 0; 1 if something differs (printed: the README
// line, the printed line, the first difference); 2 if the README or the command cannot be used.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tutorials/transcripts/compare_block.h"
#include "tutorials/transcripts/readme_blocks.h"
#include "tutorials/transcripts/run_program.h"

namespace {

using namespace knob::transcripts;

constexpr std::size_t kLinesShown = 5;  // mismatching lines reported in full per block

struct Options {
  std::string readme;
  std::string run;
  std::string output_file;           // compare this file instead of running a program
  std::vector<std::string> command;  // the program and its arguments
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--") {
      options.command.assign(argv + i + 1, argv + argc);
      break;
    } else if (arg == "--readme" && has_value) {
      options.readme = argv[++i];
    } else if (arg == "--run" && has_value) {
      options.run = argv[++i];
    } else if (arg == "--output" && has_value) {
      options.output_file = argv[++i];
    } else {
      throw std::runtime_error("unexpected argument \"" + arg + "\"");
    }
  }
  if (options.readme.empty() || options.run.empty() ||
      options.command.empty() == options.output_file.empty()) {
    throw std::runtime_error(
        "usage: check_transcript --readme <README.md> --run <name> "
        "(-- <program> [arguments...] | --output <file>)");
  }
  return options;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The command as a reader can paste it: the folder, KNOB_SIMD if it is set, the program.
std::string command_line(const std::vector<std::string>& command) {
  std::string line = "cd " + std::filesystem::current_path().string() + " && ";
  if (const char* simd = std::getenv("KNOB_SIMD")) line += std::string("KNOB_SIMD=") + simd + " ";
  for (std::size_t i = 0; i < command.size(); ++i) line += (i == 0 ? "" : " ") + command[i];
  return line;
}

// The README's blocks for this run: exactly one whole-output block, and any excerpts.
std::vector<TranscriptBlock> blocks_for_run(const Options& options) {
  std::vector<TranscriptBlock> blocks;
  std::size_t whole = 0;
  for (TranscriptBlock& block : read_transcript_blocks(read_file(options.readme), options.readme)) {
    if (!block.is_for(options.run)) continue;
    whole += block.excerpt ? 0 : 1;
    blocks.push_back(std::move(block));
  }
  if (whole != 1) {
    throw std::runtime_error(options.readme + " has " + std::to_string(whole) +
                             " transcript blocks of the whole run \"" + options.run +
                             "\" (<!-- transcript " + options.run + " ... -->); it needs one");
  }
  return blocks;
}

void report(const Options& options, const TranscriptBlock& block, const BlockResult& result) {
  const char* kind = block.excerpt ? "excerpt" : "transcript";
  std::printf("%s:%zu: the %s of the run \"%s\" does not match the program's output\n",
              options.readme.c_str(), block.marker_line, kind, options.run.c_str());
  if (!result.problem.empty()) std::printf("  %s\n", result.problem.c_str());
  for (std::size_t i = 0; i < result.mismatches.size() && i < kLinesShown; ++i) {
    const LineReport& line = result.mismatches[i];
    std::printf("%s:%zu:\n  README: %s\n  output: %s\n  %s\n", options.readme.c_str(),
                line.readme_line, line.transcript_line.c_str(), line.printed_line.c_str(),
                line.reason.c_str());
  }
  if (result.mismatches.size() > kLinesShown) {
    std::printf("  ... and %zu more lines differ\n", result.mismatches.size() - kLinesShown);
  }
}

int check(const Options& options) {
  const std::vector<TranscriptBlock> blocks = blocks_for_run(options);
  ProgramRun run;
  if (options.command.empty()) {
    run.output = read_file(options.output_file);
  } else {
    run = run_program(options.command);
  }
  const std::vector<std::string> printed = split_lines(run.output);
  bool passed = true;
  for (const TranscriptBlock& block : blocks) {
    const BlockResult result =
        block.excerpt ? compare_excerpt(block, printed) : compare_whole(block, printed);
    if (result.passed()) {
      std::printf(
          "%s:%zu: the %s of the run \"%s\" matches: %zu lines (%zu of them marked ~ as a "
          "whole, and %zu words marked ~)\n",
          options.readme.c_str(), block.marker_line, block.excerpt ? "excerpt" : "transcript",
          options.run.c_str(), result.lines_compared, result.lines_varying, result.words_varying);
    } else {
      report(options, block, result);
      passed = false;
    }
  }
  if (run.exit_status != 0) {
    for (const std::string& line : printed) {
      if (line.find("!!") != std::string::npos) std::printf("%s\n", line.c_str());
    }
    std::printf(
        "the program exited with status %d: a claim of the lesson failed (the lines "
        "starting with \"!!\" say which) or it stopped with an error\n",
        run.exit_status);
    passed = false;
  }
  if (!passed && !options.command.empty()) {
    std::printf("to see the whole output: %s\n", command_line(options.command).c_str());
  }
  return passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return check(parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "check_transcript: %s\n", e.what());
    return 2;
  }
}
