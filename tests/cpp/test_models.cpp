// The model registry: every type listed and buildable, declarations validated per type
// (unknown keys are errors naming what that type allows), describe text from the declarations.
#include "models/model_internal.h"

#include "rnnscope/core/error.h"
#include "rnnscope/models/registry.h"
#include "rnnscope/requests/models.h"
#include "test_errors.h"

#include <gtest/gtest.h>

using namespace rnnscope;

namespace {

using rnnscope::testing::error_of;

tasks::TaskInfo probe_task() {
  tasks::TaskInfo info;
  info.name = "probe";
  info.inputs.push_back(tasks::ChannelGroup{"u", 3, "input"});
  info.outputs.push_back(tasks::ChannelGroup{"y", 2, "output"});
  info.loss = tasks::LossKind::mse;
  return info;
}

}  // namespace

TEST(ModelRegistry, ListsEveryTypeAndBuildsEachFromItsDefaults) {
  EXPECT_EQ(models::names(), (std::vector<std::string>{"ctrnn", "gru", "lstm"}));
  for (const auto& name : models::names()) {
    const Json resolved = models::resolve(Json{{"type", name}, {"units", 5}}, "test");
    EXPECT_EQ(resolved.begin().key(), "type");  // type first, then the type's own keys in order
    EXPECT_EQ(resolved.size(), models::find(name).params.size() + 1);
    auto model = rnn::make_model(resolved, probe_task(), 10.0, 1);
    EXPECT_EQ(model->units(), 5);
    EXPECT_EQ(model->replicas(), 1);
    const auto out = model->run(torch::zeros({4, 2, 3}), torch::Tensor());
    EXPECT_EQ(out.outputs.sizes(), (std::vector<int64_t>{4, 2, 2})) << name;
    EXPECT_NE(models::describe(name).find("units (integer, default 128, [1, 100000])"), std::string::npos) << name;
  }
  // The default type is the first registered one.
  EXPECT_EQ(models::resolve(Json::object(), "test")["type"], "ctrnn");
}

TEST(ModelRegistry, RejectsUnknownKeysPerType) {
  // A rate-network key is unknown to a gated type, and the message lists what it allows.
  const auto msg = error_of([] { models::resolve(Json{{"type", "gru"}, {"tau", 50.0}}, "cfg [model]"); });
  EXPECT_NE(msg.find("unknown key 'tau'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("it is a key of type ctrnn"), std::string::npos) << msg;
  EXPECT_NE(msg.find("learn_x0"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("activation"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { models::resolve(Json{{"type", "ctrnn"}, {"gates", 3}}, "cfg"); }).find("unknown key 'gates'"),
            std::string::npos);
  EXPECT_NE(error_of([] { models::resolve(Json{{"type", "transformer"}}, "cfg"); }).find("ctrnn, gru, lstm"),
            std::string::npos);
  EXPECT_NE(error_of([] { models::resolve(Json{{"type", "ctrnn"}, {"tau", -1.0}}, "cfg"); }).find("tau"),
            std::string::npos);
  EXPECT_NE(error_of([] { models::describe("nope"); }).find("allowed: ctrnn, gru, lstm"), std::string::npos);
}

TEST(ModelRegistry, ListingNamesEveryTypeWithItsSummary) {
  const std::string listing = requests::run_models({});
  for (const auto& info : models::model_types()) {
    EXPECT_NE(listing.find(info.name), std::string::npos);
    EXPECT_NE(listing.find(info.name + std::string(24 - info.name.size(), ' ') + info.summary), std::string::npos)
        << listing;
  }
  EXPECT_EQ(requests::run_models({"lstm"}), models::describe("lstm"));
}
