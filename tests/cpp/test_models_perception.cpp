// The perceptual CNN of the N-back models: shapes, freezing, a short pretraining that learns,
// its HDF5 round trip, and the feature bank against the CNN run on the rendered views.
#include "models/perception.h"

#include "rnnscope/core/error.h"
#include "rnnscope/requests/nback_pretrain.h"
#include "test_errors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace rnnscope;
using namespace rnnscope::rnn;
using rnnscope::testing::error_of;

namespace {

// The first n images of a split, so a test trains and tests on few.
data::LabelledImages first_images(data::Split split, int64_t n) {
  data::LabelledImages all = data::load_fashion_mnist(split);
  all.count = n;
  all.pixels.resize(static_cast<size_t>(n * all.image_size()));
  all.labels.resize(static_cast<size_t>(n));
  return all;
}

}  // namespace

TEST(PerceptualCnn, FeatureMapsKeepPositionAndLogitsHaveOnePerClass) {
  PerceptualCnn cnn({4, 8, 6}, 28, 10, 1);
  EXPECT_EQ(cnn.features(torch::rand({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 6, 3, 3}));
  EXPECT_EQ(cnn.features(torch::rand({3, 1, 64, 64})).sizes(), (std::vector<int64_t>{3, 6, 8, 8}));
  EXPECT_EQ(cnn.feature_shape(64), (std::vector<int64_t>{6, 8, 8}));
  EXPECT_EQ(cnn.classify(torch::rand({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  // The weights are a function of the seed.
  PerceptualCnn same({4, 8, 6}, 28, 10, 1), other({4, 8, 6}, 28, 10, 2);
  EXPECT_TRUE(torch::equal(cnn.parameters()[0], same.parameters()[0]));
  EXPECT_FALSE(torch::equal(cnn.parameters()[0], other.parameters()[0]));
}

TEST(PerceptualCnn, AFrozenNetworkDoesNotChangeWhileWhatReadsItLearns) {
  PerceptualCnn cnn({4, 8}, 28, 10, 3);
  cnn.freeze();
  std::vector<torch::Tensor> before;
  for (const auto& p : cnn.parameters()) before.push_back(p.clone());
  torch::nn::Linear reader(8 * 16 * 16, 3);
  const auto reader_before = reader->weight.clone();
  // The reader and the (frozen) CNN's parameters are all handed to the optimiser: freezing must
  // hold even then (weight decay included).
  std::vector<torch::Tensor> params = reader->parameters();
  for (const auto& p : cnn.parameters()) params.push_back(p);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
  const auto images = torch::rand({5, 1, 64, 64});
  const auto labels = torch::tensor({0, 1, 2, 0, 1}, torch::kInt64);
  for (int step = 0; step < 3; ++step) {
    const auto loss = torch::cross_entropy_loss(reader->forward(cnn.features(images).flatten(1)), labels);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], cnn.parameters()[i])) << i;
  EXPECT_FALSE(torch::equal(reader_before, reader->weight));
}

TEST(PerceptualCnn, PretrainingLearnsFashionMnistAndRoundTripsThroughHdf5) {
  at::set_num_threads(1);  // small convolutions: threads on a loaded 2-core machine cost 10x
  PerceptualCnn cnn({8, 16}, 28, 10, 0);
  const auto train = first_images(data::Split::train, 1000);
  const auto test = first_images(data::Split::test, 500);
  const double before = classification_accuracy(cnn, test);
  PretrainOptions options;
  options.epochs = 2;
  options.batch_size = 32;
  options.lr = 3e-3;
  const PretrainResult result = pretrain(cnn, train, test, options);
  ASSERT_EQ(result.epoch_loss.size(), 2u);
  EXPECT_LT(result.epoch_loss[1], result.epoch_loss[0]);
  EXPECT_GT(result.test_accuracy, 0.6);  // chance 0.1
  EXPECT_GT(result.test_accuracy, before + 0.3);
  EXPECT_DOUBLE_EQ(result.test_accuracy, classification_accuracy(cnn, test));

  const std::string path = ::testing::TempDir() + "cnn_" + std::to_string(getpid()) + ".h5";
  {
    h5::Writer out(path);
    cnn.write_weights(out);
    out.commit();
  }
  const auto read = PerceptualCnn::read(path);
  std::filesystem::remove(path);
  EXPECT_EQ(read->channels(), cnn.channels());
  const auto images = torch::rand({4, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(read->classify(images), cnn.classify(images)));
}

TEST(PerceptualCnn, PretrainingRequestRefusesBadArgumentsInOneLineNamingThem) {
  const auto message = [](void (*change)(requests::NbackPretrainRequest&)) {
    requests::NbackPretrainRequest r;
    r.out = ::testing::TempDir() + "never_written.h5";
    change(r);
    return error_of([&] { requests::run_nback_pretrain(r); });
  };
  EXPECT_NE(message([](auto& r) { r.epochs = 0; }).find("--epochs = 0, allowed 1..100"), std::string::npos);
  EXPECT_NE(message([](auto& r) { r.lr = -1; }).find("--lr"), std::string::npos);
  EXPECT_NE(message([](auto& r) { r.channels = {}; }).find("--channels: 1 to 4 conv blocks"), std::string::npos);
  EXPECT_NE(message([](auto& r) { r.channels = {8, 0}; }).find("--channels: each block's channels 1..512, 0 given"),
            std::string::npos);
  EXPECT_NE(message([](auto& r) { r.out = ""; }).find("--out is required"), std::string::npos);
  EXPECT_NE(message([](auto& r) {
              r.door = requests::Door::python;
              r.batch_size = 0;
            }).find("batch_size = 0"),
            std::string::npos);
  // An existing output is kept unless forced (checked before any training).
  EXPECT_NE(message([](auto& r) { r.out = RNNSCOPE_SOURCE_DIR "/README.md"; }).find("--force"), std::string::npos);
  // Images of another size than the network's.
  PerceptualCnn cnn({4}, 32, 10, 0);
  const auto images = first_images(data::Split::test, 4);
  EXPECT_NE(error_of([&] { pretrain(cnn, images, images, PretrainOptions{}); }).find("28 x 28 pixels"), std::string::npos);
}

TEST(FeatureBank, EqualsTheCnnRunOnEachRenderedView) {
  at::set_num_threads(1);  // small convolutions: threads on a loaded 2-core machine cost 10x
  const auto config = nback::StimulusConfig::from_params(resolve_params(Json::object(), nback::stimulus_params(), "test"));
  const nback::StimulusSet stimuli(config, data::load_fashion_mnist(data::Split::test), 5);
  PerceptualCnn cnn({4, 6}, 28, 10, 2);
  cnn.freeze();
  const FeatureBank bank = build_feature_bank(cnn, stimuli, nback::ViewKind::heldout, 3, 7);
  ASSERT_EQ(bank.objects, 8 * 4);
  EXPECT_EQ(bank.features.sizes(), (std::vector<int64_t>{32, 3, 6 * 16 * 16}));
  EXPECT_EQ(bank.feature_shape, (std::vector<int64_t>{6, 16, 16}));
  // Every entry against the CNN on its own rendering, one view at a time.
  torch::NoGradGuard no_grad;
  for (int identity = 0; identity < 8; ++identity) {
    for (int location = 0; location < 4; ++location) {
      const nback::Object object{identity / 2, identity, location};
      const int64_t o = FeatureBank::object_index(object, 4);
      for (int64_t v = 0; v < 3; ++v) {
        const nback::View& view = bank.view_params[static_cast<size_t>(o * 3 + v)];
        EXPECT_GT(std::abs(view.rotation_deg), config.rotation_deg);  // held out
        auto frame = torch::empty({1, 1, 64, 64});
        stimuli.render(object, view, frame.data_ptr<float>());
        EXPECT_TRUE(torch::allclose(bank.features[o][v], cnn.features(frame).flatten(), 1e-5, 1e-6)) << o << " " << v;
      }
    }
  }
  // The views are a function of the seed; another seed draws others.
  const FeatureBank again = build_feature_bank(cnn, stimuli, nback::ViewKind::heldout, 3, 7);
  EXPECT_TRUE(torch::equal(again.features, bank.features));
  const FeatureBank other = build_feature_bank(cnn, stimuli, nback::ViewKind::heldout, 3, 8);
  EXPECT_FALSE(torch::equal(other.features, bank.features));
  EXPECT_NE(error_of([&] { build_feature_bank(cnn, stimuli, nback::ViewKind::training, 0, 7); }).find("views per object"),
            std::string::npos);
}
