// Atomic text output (include/rnnscope/core/text_file.h).
#include "rnnscope/core/text_file.h"

#include "rnnscope/core/error.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace rnnscope {

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
