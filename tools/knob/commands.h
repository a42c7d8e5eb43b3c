/// @file
/// @brief The subcommands of the `knob` executable; each file registers one.
#pragma once

#include <CLI/CLI.hpp>

namespace knob::cli {

/// @brief `knob info`: version, the SIMD path in use and the ones available.
void add_info_command(CLI::App& app);
/// @brief `knob tour`: a short walk through tensors, the tape and gradients.
void add_tour_command(CLI::App& app);
/// @brief `knob gradcheck [--op NAME ...] [--json]`: check every differentiable op in float64.
void add_gradcheck_command(CLI::App& app);

/// @brief `knob grads`: docs/spec.md §4's gradient file for a model and a batch.
void add_grads_command(CLI::App& app);
/// @brief `knob compare A B`: per-tensor differences between two safetensors files.
void add_compare_command(CLI::App& app);

/// @brief `knob train`: pretrain on digit tasks, save a model directory.
void add_train_command(CLI::App& app);
/// @brief `knob eval`: held-out loss, token accuracy and exact match per task.
void add_eval_command(CLI::App& app);
/// @brief `knob finetune --model DIR --method ia3|full`: fine-tune on another digit task; IA³
/// saves an adapter file, full fine-tuning a model directory.
/// @param app the top-level app to register with.
void add_finetune_command(CLI::App& app);

/// @brief `knob bench`: time a matrix multiply (--matmul M,N,K) or training steps of the
/// reference transformer (--config C.json ...); --json for scripts.
/// @param app the top-level app to register with.
void add_bench_command(CLI::App& app);

/// @brief One line describing the library build and the active SIMD path.
std::string version_line();

}  // namespace knob::cli
