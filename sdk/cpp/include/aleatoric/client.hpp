// A client of the HTTP job service (`aleatoric serve`): submit a config, follow the job,
// download the dataset file by file with its SHA-256 checked, assemble it locally.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aleatoric/error.hpp"
#include "aleatoric/verify.hpp"

namespace aleatoric {

/// The service answered with an error (`status` is the HTTP status, 0 when none).
class RemoteError : public Error {
 public:
  RemoteError(const std::string& message, long status) : Error(message), status_(status) {}
  long status() const noexcept { return status_; }

 private:
  long status_;
};

/// The service rejected the config: every field at fault (HTTP 422).
class ConfigError : public RemoteError {
 public:
  struct Field {
    std::string field;
    std::string message;
  };
  ConfigError(const std::string& message, std::vector<Field> fields)
      : RemoteError(message, 422), fields_(std::move(fields)) {}
  const std::vector<Field>& fields() const noexcept { return fields_; }

 private:
  std::vector<Field> fields_;
};

/// The job still failed after its resubmissions.
class RemoteJobFailedError : public RemoteError {
 public:
  using RemoteError::RemoteError;
};

struct ClientOptions {
  /// Bearer API key; empty means `$ALEATORIC_API_KEY` (no header when that is unset too).
  std::string api_key;
  /// Seconds to connect, and the longest a transfer may stall (under 1 byte/s).
  double request_timeout = 60.0;
};

struct GenerateOptions {
  /// Output formats of the job, as `aleatoric generate --format`.
  std::vector<std::string> formats{"parquet"};
  /// Replace a non-empty output directory.
  bool overwrite = false;
  /// Seconds between polls, and the longest wait for one job (0: no limit).
  double poll = 0.5;
  double timeout = 0;
  /// Resubmit a failed job this many times.
  int max_resubmits = 2;
  /// When set, the service's signature must verify with this key (the job service signs
  /// when it has a signing key).
  std::optional<PublicKey> verify_key;
  /// `progress(segments_done, segments_total)` after each poll.
  std::function<void(std::int64_t, std::int64_t)> progress;
};

struct GenerateResult {
  std::string job_id;
  std::filesystem::path out;
  std::size_t files = 0;  ///< data files, manifest.json not included
  std::uint64_t bytes = 0;
  bool signed_ = false;  ///< the service published a provenance envelope
};

class Client {
 public:
  /// A client of the service at `url` (e.g. "http://127.0.0.1:8000").
  explicit Client(std::string url, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  /// POST /v1/jobs with the config fields (and `formats`); return the job record.
  nlohmann::json submit(const nlohmann::json& config,
                        const std::vector<std::string>& formats = {"parquet"});
  /// GET /v1/jobs/{id}: state, chunks, progress.
  nlohmann::json job(const std::string& job_id);
  /// Poll until the job succeeded, failed or is dead; return its last record.
  nlohmann::json wait(const std::string& job_id, double poll = 0.5, double timeout = 0,
                      const std::function<void(std::int64_t, std::int64_t)>& progress = {});
  /// The raw bytes of manifest.json of a finished job.
  std::string manifest(const std::string& job_id);
  /// The raw bytes of one file of a finished job's dataset.
  std::string file(const std::string& job_id, const std::string& path);
  /// A GET on any path, 404 answered with nothing (for optional files).
  std::optional<std::string> get_optional(const std::string& path);

  /// Compute `config` on the service and write the dataset to `out`: the same bytes as a
  /// local `aleatoric generate` with that config. Every file is checked against the
  /// manifest's SHA-256 and size; files appear at `out` only once all are written.
  GenerateResult generate(const nlohmann::json& config, const std::filesystem::path& out,
                          const GenerateOptions& options = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aleatoric
