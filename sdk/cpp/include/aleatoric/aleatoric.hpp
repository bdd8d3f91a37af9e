// The Aleatoric Engine C++ SDK: read, verify and stream datasets, drive the job service.
#pragma once

#include "aleatoric/book.hpp"
#include "aleatoric/dataset.hpp"
#include "aleatoric/digest.hpp"
#include "aleatoric/error.hpp"
#include "aleatoric/reader.hpp"
#include "aleatoric/records.hpp"
#include "aleatoric/stream.hpp"
#include "aleatoric/verify.hpp"
#ifdef ALEATORIC_WITH_CLIENT
#include "aleatoric/client.hpp"
#endif

namespace aleatoric {
/// The SDK's version.
inline constexpr const char* kVersion = "0.1.0";
}  // namespace aleatoric
