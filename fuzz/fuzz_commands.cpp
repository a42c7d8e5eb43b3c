// Fuzz target: whole knob commands on damaged files and hostile output paths.
//
// fuzz_cli parses argument lists; this target runs real commands to their end — train (a few
// steps of a tiny model, fresh or resumed from a checkpoint), eval, grads, compare, finetune,
// export-peft and import-peft — in a scratch directory whose files it damages first. The input
// bytes choose:
//
//   [0] the command          [1] the output path (new, existing, a link out, an input, under a
//   [2] the file to damage       file, /dev/full, /dev/null, a long name, a nested new path)
//   [3] how (replace it, overwrite bytes at an offset, cut it at an offset, append)
//   [4] option bits          [5] sizes (steps, batch, digits) and the learning rate
//   [6..7] the offset        [8..] the bytes the damage writes
//
// Every execution starts from a fresh copy of valid fixtures (made once), so runs are
// independent. Findings, besides crashes, sanitizer reports, leaks and oversized allocations:
// - run_cli() returned kExitInternalError;
// - a file outside the command's output changed (an input clobbered, a link written through);
// - a command that failed changed what was at its output path;
// - a command that succeeded left an output that does not load;
// - a file descriptor leaked (a lock or a file left open).
#include <dirent.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "cli_main.h"
#include "ia3/adapter_file.h"
#include "nn/base/atomic_file.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "tasks/vocabulary.h"

namespace {

namespace fs = std::filesystem;

fs::path pristine_dir;  // the valid fixtures, made once
fs::path work_dir;      // a fresh copy per execution; the current directory
// Character devices to write to: private nodes of /dev/full and /dev/null where this process
// may make them (root), so that a bug replacing an output never touches the machine's /dev.
std::string full_device = "/dev/full";
std::string null_device = "/dev/null";

void make_private_devices(const fs::path& dir) {
  for (auto [name, path] : {std::pair{"full", &full_device}, std::pair{"null", &null_device}}) {
    struct stat info {};
    const fs::path node = dir / name;
    if (::stat(("/dev/" + std::string(name)).c_str(), &info) == 0 &&
        ::mknod(node.c_str(), S_IFCHR | 0666, info.st_rdev) == 0) {
      *path = node.string();
    }
  }
}

// ------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------

// The digit tasks' vocabulary, one block of width 8: fast enough for whole training runs.
knob::nn::TransformerConfig digit_config() {
  knob::nn::TransformerConfig c;
  c.vocab_size = knob::tasks::kVocabSize;
  c.d_model = 8;
  c.n_heads = 2;
  c.n_layers = 1;
  c.d_ff = 16;
  c.max_seq_len = 7;
  c.activation = knob::Activation::relu;
  return c;
}

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "knob");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return knob::cli::run_cli(static_cast<int>(args.size()), argv.data());
}

// The arguments of a 3-step training run of digit_config() on 3-digit copies into `out`.
std::vector<std::string> train_args(const std::string& out) {
  return {"train", "--config", "config.json", "--tasks",     "copy", "--steps", "3",     "--batch",
          "2",     "--digits", "3",           "--eval-rows", "4",    "-q",      "--out", out};
}

// model/, config.json, batch.safetensors, adapter.safetensors, peft/, g.safetensors (a gradient
// file), existing/ (a model directory with a note), existing.safetensors, run/ (a finished run)
// with .run.partial/ (an unfinished one: its checkpoint after step 1), outside/ (link targets).
void write_fixtures(const fs::path& dir) {
  namespace nn = knob::nn;
  const fs::path here = fs::current_path();
  fs::current_path(dir);
  knob::Generator gen(1);
  const nn::Transformer model(digit_config(), gen);
  nn::save_model_dir(model, "model");
  nn::atomic_write_bytes("config.json", digit_config().to_json());
  nn::write_safetensors("batch.safetensors",
                        {{"input_ids", knob::int_tensor({1, 2, 10, 1, 2, 3}, {2, 3})},
                         {"targets", knob::int_tensor({2, 10, 1, 2, 3, -100}, {2, 3})}});
  knob::ia3::AdapterFile adapter{{{"blocks.0.attn.l_k", knob::full({8}, 0.5)},
                                  {"blocks.0.attn.l_v", knob::full({8}, 1.5)},
                                  {"blocks.0.ffn.l_ff", knob::full({16}, 2.0)}},
                                 knob::ia3::AdapterConfig::spec_default(),
                                 digit_config()};
  knob::ia3::save_adapter("adapter.safetensors", adapter);
  knob::ia3::export_peft(adapter, "peft");
  const bool ok = run({"grads", "--model", "model", "--batch", "batch.safetensors", "--out",
                       "g.safetensors"}) == 0 &&
                  run(train_args("existing")) == 0 && run(train_args("run")) == 0;
  std::vector<std::string> stopped = train_args("run");
  stopped.insert(stopped.end(), {"--stop-after", "1"});
  if (!ok || run(stopped) != 0) {
    std::fprintf(stderr, "fuzz_commands: the fixtures could not be made\n");
    std::abort();
  }
  nn::atomic_write_bytes("existing/notes.txt", "kept across replacements");
  fs::copy_file("g.safetensors", "existing.safetensors");
  fs::create_directories("outside/dir");
  nn::atomic_write_bytes("outside/precious", "never written through a link");
  nn::atomic_write_bytes("outside/dir/config.json", "{}");
  fs::create_symlink("outside/precious", "file-link");
  fs::create_directory_symlink("outside/dir", "dir-link");
  fs::create_directories("a-file-parent");
  fs::current_path(here);
}

// ------------------------------------------------------------------------------------------
// Decoding the input
// ------------------------------------------------------------------------------------------

enum class Command { train, eval, grads, compare, finetune, export_peft, import_peft, kCount };

constexpr std::array<const char*, 12> kDamageTargets = {"",
                                                        "config.json",
                                                        "model/config.json",
                                                        "model/model.safetensors",
                                                        "batch.safetensors",
                                                        "adapter.safetensors",
                                                        "peft/adapter_config.json",
                                                        "peft/adapter_model.safetensors",
                                                        ".run.partial/checkpoint.safetensors",
                                                        ".run.partial/metrics.csv",
                                                        "g.safetensors",
                                                        "existing/model.safetensors"};

struct Plan {
  Command command = Command::train;
  std::uint8_t output_kind = 0;
  std::uint8_t damage_target = 0;
  std::uint8_t damage_kind = 0;
  std::uint8_t options = 0;
  std::uint8_t sizes = 0;
  std::size_t offset = 0;
  std::string_view bytes;
};

Plan decode(const std::uint8_t* data, std::size_t size) {
  Plan plan;
  auto byte = [&](std::size_t i) -> std::uint8_t { return i < size ? data[i] : 0; };
  plan.command = static_cast<Command>(byte(0) % static_cast<int>(Command::kCount));
  plan.output_kind = byte(1) % 10;
  plan.damage_target = byte(2) % kDamageTargets.size();
  plan.damage_kind = byte(3) % 4;
  plan.options = byte(4);
  plan.sizes = byte(5);
  plan.offset = static_cast<std::size_t>(byte(6)) | (static_cast<std::size_t>(byte(7)) << 8);
  if (size > 8) plan.bytes = {reinterpret_cast<const char*>(data) + 8, size - 8};
  return plan;
}

bool writes_directory(const Plan& plan) {
  return plan.command == Command::train || plan.command == Command::export_peft ||
         (plan.command == Command::finetune && (plan.options & 1) != 0);
}

// The output path for the plan's kind; `input` is one of the command's inputs.
std::string output_path(const Plan& plan, const std::string& input) {
  const bool dir = writes_directory(plan);
  switch (plan.output_kind) {
    case 0:
      return dir ? "out" : "out.safetensors";
    case 1:
      return dir ? (plan.command == Command::train ? "run" : "existing") : "existing.safetensors";
    case 2:
      return dir ? "dir-link" : "file-link";
    case 3:
      return input;
    case 4:
      return "batch.safetensors/out";
    case 5:
      return dir ? "/proc/knob-fuzz-out" : full_device;
    case 6:
      return dir ? "a/b/c/out" : null_device;
    case 7:
      return std::string(250, 'L');
    case 8:
      return std::string(300, 'L');
    default:
      return dir ? "a-file-parent/new" : "a/b/c/out.safetensors";
  }
}

// The command line, and the input an output of kind 3 names.
std::vector<std::string> arguments(const Plan& plan, std::string& out) {
  const std::string steps = std::to_string(3 - plan.sizes % 3);  // 3 first: the fixture's run
  const std::string batch = std::to_string(2 + (plan.sizes >> 2) % 3);
  const std::string digits = std::to_string(3 - (plan.sizes >> 4) % 3);
  const char* lr = std::array{"3e-3", "1e-2", "1e6", "0"}[(plan.sizes >> 6) % 4];
  const bool bit1 = (plan.options & 2) != 0, bit2 = (plan.options & 4) != 0;
  const bool bit3 = (plan.options & 8) != 0;
  std::vector<std::string> args;
  switch (plan.command) {
    case Command::train:
      out = output_path(plan, "config.json");
      args = {"train", "--config", "config.json", "--tasks",  "copy",  "--steps",
              steps,   "--batch",  batch,         "--digits", digits,  "--eval-rows",
              "4",     "-q",       "--lr",        lr,         "--out", out};
      if (bit1) args.push_back("--resume");
      if (bit2) args.insert(args.end(), {"--checkpoint-every", "1"});
      if (bit3) args.insert(args.end(), {"--stop-after", "1"});
      return args;
    case Command::eval:
      out.clear();
      args = {"eval", "--model", "model", "--rows", "4", "--digits", digits, "--tasks", "copy"};
      if (bit1) args.insert(args.end(), {"--adapter", "adapter.safetensors"});
      return args;
    case Command::grads:
      out = output_path(plan, "batch.safetensors");
      args = {"grads", "--model", "model", "--batch", "batch.safetensors", "--out", out};
      if (bit1) args.insert(args.end(), {"--adapter", "adapter.safetensors"});
      if (bit2) args.insert(args.end(), {"--trainable", "ia3"});
      if (bit3) args.insert(args.end(), {"--dtype", "f32"});
      return args;
    case Command::compare:
      out.clear();
      return {"compare", output_path(plan, "g.safetensors"), "g.safetensors"};
    case Command::finetune:
      out = output_path(plan, (plan.options & 1) != 0 ? "model" : "model/model.safetensors");
      args = {"finetune", "--model",  "model", "--steps", steps,   "--batch",
              batch,      "--digits", digits,  "--tasks", "copy",  "--eval-rows",
              "4",        "-q",       "--lr",  lr,        "--out", out};
      if ((plan.options & 1) != 0) args.insert(args.end(), {"--method", "full"});
      return args;
    case Command::export_peft:
      out = output_path(plan, "adapter.safetensors");
      return {"export-peft", "--adapter", "adapter.safetensors", "--out", out};
    case Command::import_peft:
    case Command::kCount:
      break;
  }
  out = output_path(plan, "peft/adapter_model.safetensors");
  args = {"import-peft", "--in", "peft", "--out", out};
  if (bit1) args.insert(args.end(), {"--model", "model"});
  return args;
}

void damage(const Plan& plan) {
  if (plan.damage_target == 0) return;
  const std::string path = kDamageTargets[plan.damage_target];
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t at = content.empty() ? 0 : plan.offset % (content.size() + 1);
  switch (plan.damage_kind) {
    case 0:
      content.assign(plan.bytes);
      break;
    case 1:
      content.replace(at, std::min(plan.bytes.size(), content.size() - at), plan.bytes);
      break;
    case 2:
      content.resize(at);
      break;
    default:
      content.append(plan.bytes);
      break;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// ------------------------------------------------------------------------------------------
// What must hold
// ------------------------------------------------------------------------------------------

// Every file and link below `root` (relative path → content or link target), directories too.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return out;
  if (fs::is_symlink(fs::symlink_status(root, ec)))
    return {{"", "-> " + fs::read_symlink(root).string()}};
  if (!fs::is_directory(fs::symlink_status(root, ec))) {
    std::ifstream in(root, std::ios::binary);
    return {{"", std::string(std::istreambuf_iterator<char>(in), {})}};
  }
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().lexically_relative(root).string();
    if (it->is_symlink()) {
      out[name] = "-> " + fs::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      std::ifstream in(it->path(), std::ios::binary);
      out[name] = std::string(std::istreambuf_iterator<char>(in), {});
    } else {
      out[name] = "(directory)";
    }
  }
  return out;
}

// Is `name` (relative to the work directory) part of the output `out` or its staging area?
bool in_output_area(const std::string& name, const std::string& out) {
  if (out.empty() || out.starts_with('/')) return false;
  const fs::path output(out);
  const std::string staging =
      (output.parent_path() / ("." + output.filename().string() + ".partial")).string();
  for (const std::string& area : {out, staging}) {
    if (name == area || name.starts_with(area + "/")) return true;
  }
  // The parents a nested output creates, and hidden temporaries or digest-named staging.
  return out.starts_with(name + "/") || name.starts_with(".LLL") || name.starts_with("a/");
}

int open_descriptors() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr) ++count;
    ::closedir(dir);
  }
  return count;
}

[[noreturn]] void finding(const std::string& what, const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& arg : args) line += " " + arg.substr(0, 60);
  std::fprintf(stderr, "fuzz_commands: %s\n  command: knob%s\n", what.c_str(), line.c_str());
  std::abort();
}

// A command that succeeded must leave an output that loads.
void check_output_loads(const Plan& plan, const std::string& out,
                        const std::vector<std::string>& args) {
  if (out.empty() || out == full_device || out == null_device || (plan.options & 8) != 0) return;
  try {
    if (plan.command == Command::export_peft) {
      (void)knob::ia3::import_peft(out);
    } else if (writes_directory(plan)) {
      (void)knob::nn::load_model_dir(out);
    } else {
      (void)knob::nn::read_safetensors(out);
    }
  } catch (const knob::Error& e) {
    finding(std::string("the command succeeded but its output does not load: ") + e.what(), args);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("KNOB_MEMORY_LIMIT", "16M", 1);  // a damaged config is refused, not allocated
  // Every execution writes and fsyncs files: on a RAM file system (/dev/shm) that costs nothing.
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                            ? fs::path("/dev/shm")
                            : fs::temp_directory_path();
  std::string dir_template = (base / "knob-fuzz-commands.XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    std::perror("fuzz_commands: mkdtemp");
    std::abort();
  }
  const fs::path root = dir_template;
  pristine_dir = root / "pristine";
  work_dir = root / "work";
  fs::create_directories(pristine_dir);
  make_private_devices(root);
  std::atexit([] {
    std::error_code ignored;
    fs::current_path(fs::temp_directory_path(), ignored);
    fs::remove_all(pristine_dir.parent_path(), ignored);
  });
  write_fixtures(pristine_dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Plan plan = decode(data, size);
  std::error_code ec;
  fs::current_path(pristine_dir.parent_path());
  fs::remove_all(work_dir, ec);
  fs::copy(pristine_dir, work_dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::current_path(work_dir);
  damage(plan);

  std::string out;
  const std::vector<std::string> args = arguments(plan, out);
  const bool output_is_input = plan.output_kind == 3;
  const auto before = snapshot(".");
  // Only outputs inside the work directory are compared (never read /dev/full).
  const bool local_output = !out.empty() && !out.starts_with('/');
  const auto output_before = local_output ? snapshot(out) : decltype(before){};
  const int descriptors = open_descriptors();

  if (std::getenv("KNOB_FUZZ_VERBOSE") != nullptr) {  // to see what a finding ran
    std::string line;
    for (const std::string& arg : args) line += " " + arg.substr(0, 60);
    std::fprintf(stderr, "fuzz_commands: knob%s\n", line.c_str());
  }
  const int status = run(args);
  if (std::getenv("KNOB_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "fuzz_commands: exit status %d\n", status);
  }

  if (status == knob::cli::kExitInternalError) finding("an internal error", args);
  if (open_descriptors() != descriptors) finding("a file descriptor leaked", args);
  const auto after = snapshot(".");
  for (const auto& [name, content] : before) {
    if (!output_is_input && in_output_area(name, out)) continue;
    const auto found = after.find(name);
    if (found == after.end() || found->second != content) {
      finding("'" + name + "' changed although it is not the command's output", args);
    }
  }
  if (status != 0 && local_output && snapshot(out) != output_before) {
    finding("the command failed but changed its output '" + out.substr(0, 60) + "'", args);
  }
  if (status == 0) check_output_loads(plan, out, args);
  return 0;
}
