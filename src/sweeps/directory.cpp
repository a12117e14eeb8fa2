// Sweep directories, cell locks and the results table (include/rnnscope/sweeps/directory.h).
#include "rnnscope/sweeps/directory.h"

#include "rnnscope/core/error.h"
#include "rnnscope/core/hdf5_io.h"
#include "rnnscope/core/text_file.h"
#include "rnnscope/runs/run_directory.h"

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace rnnscope::sweeps {
namespace {

// A value as a CSV field: strings quoted when they hold a comma or a quote.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string value_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string number_text(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

}  // namespace

const char* status_name(CellStatus status) {
  switch (status) {
    case CellStatus::done: return "done";
    case CellStatus::failed: return "failed";
    default: return "pending";
  }
}

SweepDirectory::SweepDirectory(std::string path) : path_(std::move(path)) {}
std::string SweepDirectory::spec_path() const { return path_ + "/sweep.json"; }
std::string SweepDirectory::cell_dir(const std::string& id) const { return path_ + "/cells/" + id; }
std::string SweepDirectory::cell_lock_path(const std::string& id) const { return path_ + "/cells/" + id + ".lock"; }
std::string SweepDirectory::cell_error_path(const std::string& id) const { return cell_dir(id) + "/error.txt"; }
std::string SweepDirectory::lock_path() const { return path_ + "/sweep.lock"; }
std::string SweepDirectory::prepare_lock_path() const { return path_ + "/prepare.lock"; }
std::string SweepDirectory::results_h5() const { return path_ + "/results.h5"; }
std::string SweepDirectory::results_csv() const { return path_ + "/results.csv"; }

CellStatus SweepDirectory::status(const std::string& id) const {
  const runs::RunDirectory run(cell_dir(id));
  if (run.has_summary() && run.has_model() && run.read_summary().value("status", "") == "finished") {
    return CellStatus::done;
  }
  return fs::exists(cell_error_path(id)) ? CellStatus::failed : CellStatus::pending;
}

Row SweepDirectory::row(const Cell& cell) const {
  Row row;
  row.cell = cell.id;
  row.values = cell.values;
  row.seed = cell.seed;
  row.status = status(cell.id);
  if (row.status == CellStatus::done) {
    const Json summary = runs::RunDirectory(cell_dir(cell.id)).read_summary();
    const Json& accuracy = summary.at("final_accuracy");
    // A cell of K replicas (train.replicas) holds one accuracy per replica: its row, their mean.
    row.final_accuracy = -1;
    if (accuracy.is_number()) {
      row.final_accuracy = accuracy.get<double>();
    } else if (accuracy.is_array() && !accuracy.empty()) {
      double sum = 0;
      for (const auto& a : accuracy) sum += a.get<double>();
      row.final_accuracy = sum / double(accuracy.size());
    }
    row.steps = summary.at("steps").get<int64_t>();
    row.wall_seconds = summary.at("wall_seconds").get<double>();
    row.steps_per_second = summary.at("train_steps_per_second").get<double>();
    row.reached_target = summary.value("reached_target", false);
  } else if (row.status == CellStatus::failed) {
    row.error = read_text(cell_error_path(cell.id));
    while (!row.error.empty() && row.error.back() == '\n') row.error.pop_back();
  }
  return row;
}

Table SweepDirectory::table(const std::vector<std::string>& keys, const std::vector<Cell>& cells) const {
  Table t;
  t.keys = keys;
  for (const auto& cell : cells) t.rows.push_back(row(cell));
  return t;
}

void SweepDirectory::write_table(const Table& t) const {
  const FileLock lock(path_ + "/results.lock");
  const auto n = int64_t(t.rows.size());
  h5::Writer h5(results_h5());
  std::ostringstream csv;
  csv << "cell";
  for (const auto& key : t.keys) csv << "," << csv_field(key);
  csv << ",seed,status,final_accuracy,steps,wall_seconds,steps_per_second,error\n";
  std::vector<std::string> cells, statuses, errors;
  std::vector<int64_t> seeds, steps;
  std::vector<double> accuracy, wall, rate;
  for (const auto& r : t.rows) {
    cells.push_back(r.cell);
    statuses.push_back(status_name(r.status));
    errors.push_back(r.error);
    seeds.push_back(int64_t(r.seed));
    steps.push_back(r.steps);
    accuracy.push_back(r.final_accuracy);
    wall.push_back(r.wall_seconds);
    rate.push_back(r.steps_per_second);
    csv << r.cell;
    for (const auto& key : t.keys) csv << "," << csv_field(value_text(r.values.at(key)));
    csv << "," << r.seed << "," << status_name(r.status) << "," << number_text(r.final_accuracy) << "," << r.steps
        << "," << number_text(r.wall_seconds) << "," << number_text(r.steps_per_second) << ","
        << csv_field(r.error) << "\n";
  }
  h5.write("/cell", cells);
  // An axis column is int64 when every value is an integer, float64 when every value is a
  // number, else text (strings as they are, anything else as JSON).
  for (const auto& key : t.keys) {
    bool integers = true, numbers = true;
    for (const auto& r : t.rows) {
      integers = integers && r.values.at(key).is_number_integer();
      numbers = numbers && r.values.at(key).is_number();
    }
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<std::string> texts;
    for (const auto& r : t.rows) {
      const Json& v = r.values.at(key);
      if (integers) ints.push_back(v.get<int64_t>());
      else if (numbers) doubles.push_back(v.get<double>());
      else texts.push_back(value_text(v));
    }
    // A key holds dots, not slashes; "/" would make HDF5 groups.
    const std::string name = "/" + key;
    if (integers) h5.write(name, ints);
    else if (numbers) h5.write(name, doubles);
    else h5.write(name, texts);
  }
  h5.write("/seed", seeds);
  h5.write("/status", statuses);
  h5.write("/final_accuracy", accuracy);
  h5.write("/steps", steps);
  h5.write("/wall_seconds", wall);
  h5.write("/steps_per_second", rate);
  h5.write("/error", errors);
  std::string columns;
  for (const auto& key : t.keys) columns += (columns.empty() ? "" : ",") + key;
  h5.attribute("/", "axes", columns);
  h5.attribute("/", "cells", n);
  h5.commit();
  write_text_atomic(results_csv(), csv.str());
}

std::pair<std::vector<std::string>, std::vector<Cell>> read_cells(const SweepDirectory& dir) {
  const std::string text = read_text(dir.spec_path());
  Json saved;
  try {
    saved = Json::parse(text);
  } catch (const Json::parse_error&) {
    throw Error(dir.spec_path() + " is not valid JSON (truncated?)");
  }
  std::vector<std::string> keys = saved.at("keys").get<std::vector<std::string>>();
  std::vector<Cell> cells;
  for (const auto& c : saved.at("cells")) {
    Cell cell;
    cell.id = c.at("id").get<std::string>();
    cell.values = c.at("values");
    cell.seed = c.at("seed").get<uint64_t>();
    cell.config = c.at("config");
    cells.push_back(std::move(cell));
  }
  return {keys, cells};
}

Table load_table(const std::string& path) {
  const SweepDirectory dir(path);
  if (!fs::exists(dir.spec_path())) {
    throw Error(path + " is not a sweep directory (no sweep.json)", Error::Kind::file_not_found);
  }
  const auto [keys, cells] = read_cells(dir);
  return dir.table(keys, cells);
}

}  // namespace rnnscope::sweeps
