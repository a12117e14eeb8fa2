// Bindings of the sweep request and of sweep tables (requests/sweep.h, sweeps/directory.h).
#include "bindings.h"
#include "convert.h"

#include "rnnscope/requests/sweep.h"
#include "rnnscope/sweeps/directory.h"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace pybind11::literals;

namespace rnnscope::python {
namespace {

// The results table as columns: numpy arrays (axis columns int64, float64 or str).
py::dict table_columns(const sweeps::Table& t) {
  py::dict out;
  py::list cells, statuses, errors;
  std::vector<int64_t> seeds, steps;
  std::vector<double> accuracy, wall, rate;
  for (const auto& r : t.rows) {
    cells.append(r.cell);
    statuses.append(sweeps::status_name(r.status));
    errors.append(r.error);
    seeds.push_back(int64_t(r.seed));
    steps.push_back(r.steps);
    accuracy.push_back(r.final_accuracy);
    wall.push_back(r.wall_seconds);
    rate.push_back(r.steps_per_second);
  }
  const auto n = int64_t(t.rows.size());
  const py::module_ np = py::module_::import("numpy");
  out["cell"] = np.attr("array")(cells, "dtype"_a = "str");
  for (const auto& key : t.keys) {
    py::list values;
    for (const auto& r : t.rows) values.append(from_json(r.values.at(key)));
    out[py::str(key)] = np.attr("array")(values);
  }
  out["seed"] = to_numpy(seeds, {n});
  out["status"] = np.attr("array")(statuses, "dtype"_a = "str");
  out["final_accuracy"] = to_numpy(accuracy, {n});
  out["steps"] = to_numpy(steps, {n});
  out["wall_seconds"] = to_numpy(wall, {n});
  out["steps_per_second"] = to_numpy(rate, {n});
  out["error"] = np.attr("array")(errors, "dtype"_a = "str");
  return out;
}

py::object sweep(const py::object& spec, const std::string& out, int64_t workers, int64_t cell, bool retry_failed,
                 bool force, bool list, const py::object& progress) {
  requests::SweepRequest req;
  if (py::isinstance<py::str>(spec)) {
    req.spec_path = spec.cast<std::string>();
  } else {
    req.spec = to_json(spec, "spec");
  }
  req.out = out;
  req.workers = workers;
  req.cell = cell;
  req.retry_failed = retry_failed;
  req.force = force;
  req.list = list;
  req.door = requests::Door::python;
  if (!progress.is_none()) {
    req.progress = [callback = shared_object(progress)](const requests::SweepProgress& p) {
      py::gil_scoped_acquire gil;
      py::dict d;
      d["cells"] = p.cells;
      d["done"] = p.done;
      d["failed"] = p.failed;
      d["running"] = p.running;
      d["eta_seconds"] = p.eta_seconds;
      d["event"] = p.event;
      (*callback)(d);
    };
  }
  req.stop_requested = keyboard_interrupt_check();
  requests::SweepResult result;
  {
    py::gil_scoped_release release;
    result = requests::run_sweep(req);
  }
  if (list) {
    py::list cells;
    for (const auto& c : result.cells) {
      py::dict d;
      d["id"] = c.id;
      d["seed"] = c.seed;
      d["values"] = from_json(c.values);
      d["config"] = from_json(c.config);
      cells.append(d);
    }
    return std::move(cells);
  }
  return table_columns(result.table);
}

}  // namespace

void bind_sweep(py::module_& m) {
  m.def("sweep", &sweep, py::arg("spec"), py::arg("out"), py::arg("workers"), py::arg("cell"),
        py::arg("retry_failed"), py::arg("force"), py::arg("list"), py::arg("progress"));
  m.def(
      "load_sweep", [](const std::string& dir) { return table_columns(sweeps::load_table(dir)); }, py::arg("dir"));
}

}  // namespace rnnscope::python
