// Fuzzes the config path of `rnnscope train`: TOML text plus `--set key=value` overrides,
// resolved into a validated config ([task] and [train] torch-free and instrumented; [model]
// by the model registry of the release build). The input is the TOML text, then optionally a
// NUL byte and one override per line. Anything but a clean rnnscope::Error is a finding, and
// so is a resolved config that does not survive what a run directory does with it: written
// as config.toml, read back and resolved again, it must be the same config.
#include "rnnscope/core/config_io.h"
#include "rnnscope/core/error.h"
#include "rnnscope/training/run_config.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace rnnscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string toml = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string::npos) {
    std::istringstream lines(input.substr(split + 1));
    for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  }
  Json resolved;
  try {
    resolved = rnn::resolve_run_config(parse_toml(toml, "fuzz.toml"), overrides, "fuzz.toml", "--set");
  } catch (const Error&) {
    return 0;
  }
  const std::string written = to_toml(resolved);
  Json reread;
  try {
    reread = rnn::resolve_run_config(parse_toml(written, "config.toml"), "config.toml");
  } catch (const Error& e) {
    std::fprintf(stderr, "a resolved config is refused once written:\n%s\n%s\n", written.c_str(), e.what());
    std::abort();
  }
  if (reread != resolved) {
    std::fprintf(stderr, "a resolved config changes once written:\n%s\nbecame\n%s\n", resolved.dump().c_str(),
                 reread.dump().c_str());
    std::abort();
  }
  return 0;
}
