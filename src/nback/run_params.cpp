// The N-back sections of a run config (include/rnnscope/nback/run_params.h).
#include "rnnscope/nback/run_params.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/sha256.h"
#include "rnnscope/nback/stimuli.h"

#include <algorithm>
#include <filesystem>

namespace rnnscope::nback {

namespace {

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& t : all_tasks()) names.push_back(t.name());
  return names;
}

}  // namespace

std::vector<ParamSpec> run_task_params() {
  return {ParamSpec("tasks", ParamKind::string_list, Json(task_names()),
                    "the diet: one task (single-task single-feature), one N over the three features "
                    "(single-task multi-feature) or all nine (multi-task)")
              .with_choices(task_names()),
          ParamSpec("data_dir", ParamKind::string, "",
                    "the Fashion-MNIST files the exemplars come from (\"\" = the system's)")};
}

std::vector<ParamSpec> perception_params() {
  return {ParamSpec("cnn", ParamKind::string, Json(),
                    "the frozen perceptual CNN's HDF5 file, written by `rnnscope nback pretrain --out FILE`"),
          ParamSpec("views", ParamKind::integer, 64,
                    "views of every object in each feature bank (training views, held-out views)")
              .with_min(1)
              .with_max(4096),
          ParamSpec("reduced_channels", ParamKind::integer, 4, "output channels of the trained 1x1 reduction")
              .with_min(1)
              .with_max(512),
          ParamSpec("embedding", ParamKind::integer, 64, "units of the linear + LayerNorm layer before the RNN")
              .with_min(1)
              .with_max(4096),
          ParamSpec("cnn_sha256", ParamKind::string, "",
                    "the SHA-256 of the cnn file, recorded when the run starts (\"\" = record it); a resumed or "
                    "analysed run whose file no longer has it is refused")};
}

Json resolve_run_sections(const Json& raw, const std::string& context) {
  Json task_keys = raw.at("task");
  task_keys.erase("name");
  Json out = Json::object();
  out["task"] = Json{{"name", kRunTaskName}};
  const Json task = resolve_params(task_keys, run_task_params(), context + " [task]");
  for (const auto& [key, value] : task.items()) out["task"][key] = value;
  out["stimuli"] = resolve_params(raw.value("stimuli", Json::object()), stimulus_params(), context + " [stimuli]");
  out["nback"] = resolve_params(raw.value("nback", Json::object()), sequence_params(), context + " [nback]");
  out["perception"] =
      resolve_params(raw.value("perception", Json::object()), perception_params(), context + " [perception]");
  StimulusConfig::from_params(out["stimuli"]);  // its own checks (repeated categories, scales)

  const auto tasks = out["task"]["tasks"].get<std::vector<std::string>>();
  require(!tasks.empty(), context + " [task] tasks: the diet is empty; give one or more of the nine N-back tasks");
  for (size_t i = 0; i < tasks.size(); ++i) {
    require(std::find(tasks.begin(), tasks.begin() + static_cast<std::ptrdiff_t>(i), tasks[i]) ==
                tasks.begin() + static_cast<std::ptrdiff_t>(i),
            context + " [task] tasks: \"" + tasks[i] + "\" is given twice");
    const int frames = out["nback"]["frames"].get<int>();
    require(task_named(tasks[i]).n < frames, context + " [task] tasks: \"" + tasks[i] + "\" needs more than " +
                                                 std::to_string(frames) + " frames ([nback] frames)");
  }
  Json& perception = out["perception"];
  const auto cnn = perception["cnn"].get<std::string>();
  require(!cnn.empty(), context + " [perception] cnn: an empty path; give the CNN's HDF5 file");
  perception["cnn"] = std::filesystem::absolute(cnn).lexically_normal().string();
  const auto digest = perception["cnn_sha256"].get<std::string>();
  require(digest.empty() || (digest.size() == 64 && digest.find_first_not_of("0123456789abcdef") == std::string::npos),
          context + " [perception] cnn_sha256: \"" + digest +
              "\" is not a SHA-256 (64 lower-case hexadecimal digits, or \"\" to record the file's)");
  // A new run records what its CNN file holds, so a resumed or analysed run can tell the file has
  // changed since (build_nback_run compares). A missing file is left to the reader's clearer error.
  if (digest.empty() && std::filesystem::is_regular_file(cnn)) perception["cnn_sha256"] = sha256_file_hex(cnn);
  return out;
}

std::vector<NBackTask> diet(const Json& resolved_task) {
  std::vector<NBackTask> tasks;
  for (const auto& name : resolved_task.at("tasks").get<std::vector<std::string>>()) tasks.push_back(task_named(name));
  return tasks;
}

std::string describe_run_sections() {
  std::string out = "[task] name = \"nback\" (docs/nback.md): the N-back tasks on objects, with\n" +
                    describe_params(run_task_params(), "  ");
  out += "[stimuli] (nback only)\n" + describe_params(stimulus_params(), "  ");
  out += "[nback] (nback only)\n" + describe_params(sequence_params(), "  ");
  out += "[perception] (nback only)\n" + describe_params(perception_params(), "  ");
  return out;
}

}  // namespace rnnscope::nback
