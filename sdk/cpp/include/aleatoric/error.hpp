// Errors thrown by the SDK.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace aleatoric {

/// Any failure of the SDK. The message names the file or field at fault.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Unusable input: a missing or malformed key, a directory that is not a dataset, a
/// manifest without a required field. `aleatoric verify` exits 2 on these.
class InputError : public Error {
 public:
  using Error::Error;
};

/// Verification failed (`aleatoric verify` exits 1): every problem of the first failing
/// stage, each naming its file or field, in the words of the Python engine.
class VerifyError : public Error {
 public:
  explicit VerifyError(std::vector<std::string> problems);
  explicit VerifyError(std::string problem) : VerifyError(std::vector<std::string>{std::move(problem)}) {}
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace aleatoric
