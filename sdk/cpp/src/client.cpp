#include "aleatoric/client.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "aleatoric/digest.hpp"

namespace aleatoric {
namespace {

std::once_flag curl_once;

struct Response {
  long status = 0;
  std::string body;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// A response body streamed into a file while it is hashed; an error body (status >= 400)
// is kept in memory instead, for the message.
struct Download {
  CURL* curl = nullptr;
  std::string* error_body = nullptr;
  std::ofstream* file = nullptr;
  EVP_MD_CTX* sha = nullptr;
  std::uint64_t bytes = 0;
};

std::size_t on_download(char* data, std::size_t size, std::size_t n, void* user) {
  auto* d = static_cast<Download*>(user);
  std::size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 400) {
    d->error_body->append(data, len);
    return len;
  }
  d->file->write(data, static_cast<std::streamsize>(len));
  if (!*d->file) return 0;  // aborts the transfer
  EVP_DigestUpdate(d->sha, data, len);
  d->bytes += len;
  return len;
}

std::string hex(const unsigned char* md, unsigned n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = digits[md[i] >> 4];
    out[2 * i + 1] = digits[md[i] & 15];
  }
  return out;
}

std::string url_path_escape(const std::string& path) {
  // Percent-encode a relative path, keeping '/' (partition directories hold '=').
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~' || c == '=') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) throw Error(path.string() + ": cannot write");
}

}  // namespace

struct Client::Impl {
  std::string url;
  std::string auth;
  double timeout;
  CURL* curl = nullptr;

  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }

  Response request(const std::string& method, const std::string& path, const std::string* body = nullptr,
                   Download* download = nullptr) {
    if (!curl) curl = curl_easy_init();
    if (!curl) throw RemoteError("cannot initialise libcurl", 0);
    curl_easy_reset(curl);
    Response r;
    std::string full = url + path;
    curl_easy_setopt(curl, CURLOPT_URL, full.c_str());
    if (download) {
      download->curl = curl;
      download->error_body = &r.body;
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_download);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, download);
    } else {
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    }
    // The timeout bounds connecting and any stall (under 1 byte/s), not a long download.
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout * 1000));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(timeout)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!auth.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + auth).c_str());
    if (body) {
      headers = curl_slist_append(headers, "Content-Type: application/json");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
      throw RemoteError(method + " " + full + ": " + curl_easy_strerror(rc), 0);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

  // Raise on an error status, with the service's detail (and every field on a 422).
  Response check(Response r) {
    if (r.status < 400) return r;
    nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    std::string detail = r.body;
    if (body.is_object() && body.contains("detail")) {
      detail = body["detail"].is_string() ? body["detail"].get<std::string>() : body["detail"].dump();
    }
    if (r.status == 422 && body.is_object() && body.contains("errors") && body["errors"].is_array() &&
        !body["errors"].empty()) {
      std::vector<ConfigError::Field> fields;
      std::string msg;
      for (const auto& e : body["errors"]) {
        fields.push_back({e.value("field", ""), e.value("message", "")});
        msg += (msg.empty() ? "" : "; ") + fields.back().field + ": " + fields.back().message;
      }
      throw ConfigError(msg, std::move(fields));
    }
    throw RemoteError(std::to_string(r.status) + ": " + detail, r.status);
  }

  // GET `path` into the file `target`; return its SHA-256 and size.
  std::pair<std::string, std::uint64_t> download(const std::string& path, const std::filesystem::path& target) {
    std::ofstream file(target, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(target.string() + ": cannot write");
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!sha || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) throw Error("sha256: OpenSSL init failed");
    Download d;
    d.file = &file;
    d.sha = sha.get();
    check(request("GET", path, nullptr, &d));
    file.close();
    if (!file) throw Error(target.string() + ": cannot write");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(sha.get(), md, &n);
    return {hex(md, n), d.bytes};
  }

  nlohmann::json get_json(const std::string& path) {
    auto r = check(request("GET", path));
    return nlohmann::json::parse(r.body);
  }
};

Client::Client(std::string url, ClientOptions options) : impl_(std::make_unique<Impl>()) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  while (!url.empty() && url.back() == '/') url.pop_back();
  impl_->url = std::move(url);
  impl_->auth = options.api_key;
  if (impl_->auth.empty())
    if (const char* env = std::getenv("ALEATORIC_API_KEY")) impl_->auth = env;
  impl_->timeout = options.request_timeout;
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

nlohmann::json Client::submit(const nlohmann::json& config, const std::vector<std::string>& formats) {
  if (!config.is_object()) throw InputError("config: must be a JSON object of config fields");
  nlohmann::json body = config;
  body["formats"] = formats;
  std::string text = body.dump();
  auto r = impl_->check(impl_->request("POST", "/v1/jobs", &text));
  return nlohmann::json::parse(r.body);
}

nlohmann::json Client::job(const std::string& job_id) { return impl_->get_json("/v1/jobs/" + job_id); }

nlohmann::json Client::wait(const std::string& job_id, double poll, double timeout,
                            const std::function<void(std::int64_t, std::int64_t)>& progress) {
  auto began = std::chrono::steady_clock::now();
  for (;;) {
    auto record = job(job_id);
    if (progress && record.contains("progress"))
      progress(record["progress"].value("done", std::int64_t{0}), record["progress"].value("total", std::int64_t{0}));
    auto state = record.value("state", std::string());
    if (state == "succeeded" || state == "failed" || state == "dead") return record;
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (timeout > 0 && waited > timeout)
      throw RemoteError("job " + job_id + " still " + state + " after " + std::to_string(timeout) + " s", 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(poll));
  }
}

std::string Client::manifest(const std::string& job_id) {
  return impl_->check(impl_->request("GET", "/v1/jobs/" + job_id + "/manifest")).body;
}

std::string Client::file(const std::string& job_id, const std::string& path) {
  return impl_->check(impl_->request("GET", "/v1/jobs/" + job_id + "/files/" + url_path_escape(path))).body;
}

std::optional<std::string> Client::get_optional(const std::string& path) {
  auto r = impl_->request("GET", path);
  if (r.status == 404) return std::nullopt;
  return impl_->check(std::move(r)).body;
}

GenerateResult Client::generate(const nlohmann::json& config, const std::filesystem::path& out,
                                const GenerateOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(out, ec) && !(fs::is_directory(out) && fs::is_empty(out)) && !options.overwrite)
    throw InputError(out.string() + ": exists and is not empty; pass overwrite to replace it");
  // Submit, resubmitting a failed job a bounded number of times.
  nlohmann::json record;
  std::vector<std::string> errors;
  for (int attempt = 0; attempt <= options.max_resubmits; ++attempt) {
    auto submitted = submit(config, options.formats);
    record = wait(submitted.at("id").get<std::string>(), options.poll, options.timeout, options.progress);
    if (record.value("state", "") == "succeeded") break;
    errors.push_back(record.contains("error") && record["error"].is_string() ? record["error"].get<std::string>()
                                                                               : record.value("state", ""));
  }
  if (record.value("state", "") != "succeeded")
    throw RemoteJobFailedError("job failed " + std::to_string(errors.size()) + " times: " + errors.back(), 0);
  const std::string id = record.at("id").get<std::string>();

  // Download into a hidden sibling directory, check every file, then move it into place.
  fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  fs::create_directories(parent);
  std::random_device rd;
  fs::path staging = parent / ("." + out.filename().string() + ".part-" + std::to_string(rd()));
  GenerateResult result;
  result.job_id = id;
  result.out = out;
  try {
    std::string manifest_raw = manifest(id);
    auto manifest_json = nlohmann::json::parse(manifest_raw);
    write_file(staging / "manifest.json", manifest_raw);
    for (const auto& entry : manifest_json.at("files")) {
      auto path = entry.at("path").get<std::string>();
      if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos)
        throw RemoteError("manifest.json: unsafe file path " + path, 0);
      auto target = staging / fs::path(path);
      fs::create_directories(target.parent_path());
      auto [digest, size] = impl_->download(
          "/v1/jobs/" + id + "/files/" + url_path_escape(path), target);
      if (digest != entry.at("sha256").get<std::string>())
        throw RemoteError(path + ": sha256 of the download does not match the manifest", 0);
      if (entry.contains("bytes") && entry["bytes"].get<std::uint64_t>() != size)
        throw RemoteError(path + ": size of the download does not match the manifest", 0);
      result.files += 1;
      result.bytes += size;
    }
    if (auto envelope = get_optional("/v1/jobs/" + id + "/files/" + std::string(kProvenanceName))) {
      write_file(staging / std::string(kProvenanceName), *envelope);
      result.signed_ = true;
    }
    if (options.verify_key) {
      if (!result.signed_) throw VerifyError("provenance.intoto.jsonl: the service did not sign the dataset");
      verify_dataset(staging, *options.verify_key);
    }
    if (fs::exists(out, ec)) fs::remove_all(out);
    fs::rename(staging, out);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  return result;
}

}  // namespace aleatoric
