// Argument spelling per door (include/rnnscope/requests/door.h).
#include "rnnscope/requests/door.h"

#include <algorithm>

namespace rnnscope::requests {

std::string spell(Door door, const std::string& name, const std::string& value) {
  if (door == Door::python) return name + "=" + (value.empty() ? "True" : value);
  std::string flag = "--" + name;
  std::replace(flag.begin() + 2, flag.end(), '_', '-');
  // A boolean flag takes no value on the command line.
  return value.empty() || value == "True" ? flag : flag + " " + value;
}

}  // namespace rnnscope::requests
