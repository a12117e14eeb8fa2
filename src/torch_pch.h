// Precompiled header for the few translation units that use LibTorch.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
