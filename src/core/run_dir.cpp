// Run-directory policy and atomic text output.
#include "rnnscope/core/run_dir.h"

#include "rnnscope/core/error.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace rnnscope {

void prepare_run_dir(const std::string& dir, ExistingRun policy) {
  std::error_code ec;
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), "run directory " + dir + " exists and is not a directory");
    if (!fs::is_empty(dir)) {
      if (policy == ExistingRun::refuse) {
        throw Error("run directory " + dir +
                    " already exists and is not empty; use --force to overwrite it or --resume "
                    "to continue its training");
      }
      if (policy == ExistingRun::overwrite) {
        for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path(), ec);
      }
    }
  }
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), "cannot create run directory " + dir + ": " + ec.message());
}

void check_can_write(const std::string& path, bool force) {
  require(force || !fs::exists(path), path + " already exists; use --force to overwrite it");
}

void write_text_atomic(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    require(static_cast<bool>(out), "cannot write " + path + " (is the directory writable?)");
    out << content;
    out.close();
    require(!out.fail(), "cannot write " + path + " (disk full?)");
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Error("cannot move " + temp + " to " + path);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("file not found: " + path, Error::Kind::file_not_found);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace rnnscope
