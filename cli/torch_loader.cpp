// Finds and loads librnnscope_torch_commands.so (see torch_commands.h).
#include "executable.h"
#include "torch_commands.h"

#include <dlfcn.h>

namespace rnnscope::cli {

void* load_torch_command(const char* symbol) {
  // The plugin is built and installed next to the executable (build/release/, .venv/bin/).
  const auto path = (executable_directory() / "librnnscope_torch_commands.so").string();
  // Never closed: LibTorch does not support being unloaded, and the process ends after the
  // command. RTLD_LOCAL keeps the plugin's copy of the core library to itself.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(std::string("cannot load the LibTorch commands: ") + ::dlerror());
  void* address = ::dlsym(handle, symbol);
  if (!address) throw std::runtime_error(std::string("cannot load the LibTorch commands: ") + ::dlerror());
  return address;
}

}  // namespace rnnscope::cli
