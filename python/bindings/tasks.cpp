// Bindings for the task registry and batches.
#include "bindings.h"
#include "convert.h"

#include "rnnscope/tasks/registry.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {

py::dict batch_to_dict(const tasks::Batch& b, const tasks::TaskInfo& info) {
  const auto& period_names = info.periods;
  py::dict out;
  const int64_t T = b.steps, B = b.trials;
  out["inputs"] = to_numpy(b.inputs, {T, B, b.n_inputs});
  out["targets"] = to_numpy(b.targets, {T, B, b.n_outputs});
  out["mask"] = to_numpy(b.mask, {T, B});
  py::dict conditions;
  for (const auto& [name, values] : b.conditions) {
    if (info.is_integer_condition(name))
      conditions[py::str(name)] = to_numpy(std::vector<int64_t>(values.begin(), values.end()), {B});
    else
      conditions[py::str(name)] = to_numpy(values, {B});
  }
  out["conditions"] = conditions;
  py::dict periods;
  for (size_t p = 0; p < period_names.size(); ++p) {
    std::vector<int64_t> bounds(b.period_bounds.begin() + int64_t(p) * B * 2,
                                b.period_bounds.begin() + int64_t(p + 1) * B * 2);
    periods[py::str(period_names[p])] = to_numpy(bounds, {B, 2});
  }
  out["periods"] = periods;
  out["trial_steps"] = to_numpy(b.trial_steps, {B});
  out["dt"] = b.dt_ms;
  return out;
}

void bind_tasks(py::module_& m) {
  py::class_<tasks::Task, std::shared_ptr<tasks::Task>>(m, "Task")
      .def_property_readonly("name", [](const tasks::Task& t) { return t.info().name; })
      .def_property_readonly("params", [](const tasks::Task& t) { return from_json(t.params()); })
      .def_property_readonly("info",
                             [](const tasks::Task& t) {
                               const auto& i = t.info();
                               py::dict d;
                               d["name"] = i.name;
                               d["description"] = i.description;
                               d["criterion"] = i.criterion;
                               d["periods"] = i.periods;
                               auto groups = [](const std::vector<tasks::ChannelGroup>& gs) {
                                 py::list out;
                                 for (const auto& g : gs) out.append(py::make_tuple(g.name, g.size));
                                 return out;
                               };
                               d["inputs"] = groups(i.inputs);
                               d["outputs"] = groups(i.outputs);
                               d["loss"] = tasks::loss_name(i.loss);
                               d["n_inputs"] = i.n_inputs();
                               d["n_outputs"] = i.n_outputs();
                               return d;
                             })
      .def(
          "batch",
          [](const tasks::Task& t, int64_t n, uint64_t seed) {
            return batch_to_dict(t.batch(n, seed), t.info());
          },
          py::arg("n"), py::kw_only(), py::arg("seed") = 0);

  m.def("task_names", &tasks::names);
  m.def("describe_task", &tasks::describe, py::arg("name"));
  m.def(
      "make_task",
      [](const std::string& name, const py::dict& params) {
        return std::shared_ptr<tasks::Task>(tasks::make(name, to_json(params, name), name));
      },
      py::arg("name"), py::arg("params"));
}

}  // namespace rnnscope::python
