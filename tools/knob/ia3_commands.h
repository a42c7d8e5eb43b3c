/// @file
/// @brief The IA³ subcommands of `knob`: export-peft, import-peft and the capstone demo.
#pragma once

#include <CLI/CLI.hpp>

namespace knob::cli {

/// @brief `knob export-peft --adapter A.safetensors --out DIR`: knob's adapter → PEFT's format.
/// @param app the top-level app to register with.
void add_export_peft_command(CLI::App& app);
/// @brief `knob import-peft --in DIR --out A.safetensors [--model DIR]`: PEFT's → knob's.
/// @param app the top-level app to register with.
void add_import_peft_command(CLI::App& app);
/// @brief `knob demo [--seed S] [--json] [--quick]`: pretrain, then frozen / IA³ / full
/// fine-tuning on a new task, a second adapter and a mixed batch.
/// @param app the top-level app to register with.
void add_demo_command(CLI::App& app);

}  // namespace knob::cli
