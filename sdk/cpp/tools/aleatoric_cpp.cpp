// aleatoric-cpp: the C++ SDK from the command line (inspect, verify, read, replay, fetch).
//
// Exit codes as `aleatoric`: 0 success, 1 verification failed, 2 unusable input.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "aleatoric/aleatoric.hpp"

namespace al = aleatoric;

namespace {

int usage() {
  std::cerr << "usage:\n"
               "  aleatoric-cpp info DIR                       instruments, tables, files, segments\n"
               "  aleatoric-cpp check DIR                      every file's SHA-256 against the manifest\n"
               "  aleatoric-cpp verify DIR --key PUB           signature, digests, no file added\n"
               "  aleatoric-cpp digests DIR                    recompute per-table content digests\n"
               "  aleatoric-cpp replay DIR                     merged stream per instrument; books against snapshots\n"
#ifdef ALEATORIC_WITH_CLIENT
               "  aleatoric-cpp generate --remote URL --out DIR (--config FILE.json | --json TEXT)\n"
               "                [--format F] [--overwrite] [--key PUB] [--timeout S]\n"
#endif
               ;
  return 2;
}

std::string option(std::vector<std::string>& args, const std::string& name, bool* present = nullptr) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name) {
      if (present) {
        *present = true;
        args.erase(args.begin() + static_cast<long>(i));
        return {};
      }
      if (i + 1 >= args.size()) throw al::InputError(name + ": needs a value");
      std::string v = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return v;
    }
  }
  return {};
}

int info(const al::Dataset& ds) {
  std::cout << "format " << ds.format() << ", engine " << ds.engine_version() << ", seed " << ds.seed() << "\n";
  for (const auto& i : ds.instruments()) std::cout << "instrument " << i.venue << " " << i.symbol << "\n";
  for (auto t : ds.tables())
    std::cout << "table " << al::table_name(t) << " rows " << ds.rows(t) << " files " << ds.files(t).size() << "\n";
  for (const auto& s : ds.segments()) {
    std::cout << "segment " << s.index << " [" << s.start_ns << ", " << s.end_ns << ") rows " << s.rows;
    if (!s.venue.empty()) std::cout << " instrument " << s.venue << " " << s.symbol;
    std::cout << "\n";
  }
  for (const auto& f : ds.files()) std::cout << "file " << f.path << " rows " << f.rows << " sha256 " << f.sha256 << "\n";
  return 0;
}

int digests(const al::Dataset& ds) {
  int bad = 0;
  auto expected = ds.table_digests();
  for (auto t : ds.tables()) {
    // The manifest's table digest runs over the files' content digests in path order.
    std::vector<al::FileEntry> by_path = ds.files(t);
    std::sort(by_path.begin(), by_path.end(), [](auto& a, auto& b) { return a.path < b.path; });
    std::string joined;
    for (const auto& f : by_path) {
      auto got = al::file_content_sha256(ds, f);
      if (!f.content_sha256.empty() && got != f.content_sha256) {
        std::cout << f.path << ": content digest " << got << ", manifest " << f.content_sha256 << "\n";
        ++bad;
      }
      joined += got;
    }
    if (by_path.empty()) continue;
    auto digest = al::sha256_hex(joined);
    auto it = expected.find(std::string(al::table_name(t)));
    bool ok = it != expected.end() && it->second == digest;
    bad += ok ? 0 : 1;
    std::cout << "table " << al::table_name(t) << " " << digest << (ok ? " ok" : " MISMATCH") << "\n";
  }
  return bad ? 1 : 0;
}

// Replay one instrument's merged stream; the books must equal every snapshot.
int replay_one(const al::Dataset& ds, const al::Instrument& instrument, bool several) {
  al::EventStream stream(ds, {}, instrument);
  al::OrderBook l2;
  al::L3Book l3(instrument.size_grid());
  al::Event e;
  std::uint64_t events = 0, snapshots = 0, l2_bad = 0, l3_bad = 0;
  std::int64_t last_ts = INT64_MIN;
  std::uint64_t last_seq = 0;
  bool order_ok = true;
  while (stream.next(e)) {
    auto ts = al::ts_recv_of(e);
    auto seq = al::seq_of(e);
    if (events && (ts < last_ts || (ts == last_ts && seq <= last_seq))) order_ok = false;
    last_ts = ts;
    last_seq = seq;
    ++events;
    if (auto* d = std::get_if<al::BookDelta>(&e)) l2.apply(*d);
    else if (auto* m = std::get_if<al::Mbo>(&e)) l3.apply(*m);
    else if (auto* s = std::get_if<al::BookSnapshot>(&e)) {
      ++snapshots;
      if (auto diff = al::compare_with_snapshot(l2, *s); !diff.empty()) {
        if (l2_bad++ < 3) std::cout << "L2 snapshot seq " << s->seq << ": " << diff << "\n";
      }
      if (auto diff = al::compare_with_snapshot(l3, *s); !diff.empty()) {
        if (l3_bad++ < 3) std::cout << "L3 snapshot seq " << s->seq << ": " << diff << "\n";
      }
    }
  }
  if (several) std::cout << "instrument " << instrument.venue << " " << instrument.symbol << " ";
  std::cout << "events " << events << " snapshots " << snapshots << " l2_mismatches " << l2_bad
            << " l3_mismatches " << l3_bad << " ordered " << (order_ok ? "yes" : "no") << "\n";
  return (l2_bad || l3_bad || !order_ok) ? 1 : 0;
}

int replay(const al::Dataset& ds) {
  auto instruments = ds.instruments();
  int rc = 0;
  for (const auto& instrument : instruments) rc |= replay_one(ds, instrument, instruments.size() > 1);
  return rc;
}

#ifdef ALEATORIC_WITH_CLIENT
int generate(std::vector<std::string> args) {
  std::string url = option(args, "--remote");
  std::string out = option(args, "--out");
  std::string config_file = option(args, "--config");
  std::string json_text = option(args, "--json");
  std::string format = option(args, "--format");
  std::string key = option(args, "--key");
  std::string timeout = option(args, "--timeout");
  bool overwrite = false;
  option(args, "--overwrite", &overwrite);
  if (url.empty() || out.empty() || (config_file.empty() == json_text.empty()) || !args.empty()) return usage();
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) throw al::InputError(config_file + ": cannot read");
    std::stringstream buf;
    buf << in.rdbuf();
    json_text = buf.str();
  }
  nlohmann::json config = nlohmann::json::parse(json_text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) throw al::InputError("config: not a JSON object");
  al::GenerateOptions options;
  options.overwrite = overwrite;
  if (!format.empty()) options.formats = format == "both" ? std::vector<std::string>{"parquet", "native"}
                                                          : std::vector<std::string>{format};
  if (!timeout.empty()) options.timeout = std::stod(timeout);
  if (!key.empty()) options.verify_key = al::PublicKey::load_pem_file(key);
  std::string last;
  options.progress = [&](std::int64_t done, std::int64_t total) {
    std::string line = std::to_string(done) + "/" + std::to_string(total) + " segments";
    if (line != last) std::cerr << "progress: " << line << "\n";
    last = line;
  };
  al::Client client(url);
  auto result = client.generate(config, out, options);
  std::cerr << "job " << result.job_id << ": succeeded\n";
  std::cout << "job " << result.job_id << ": wrote " << result.files << " files, " << result.bytes << " bytes to "
            << result.out.string() << (result.signed_ ? " (signed)" : "") << "\n";
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  std::string command = args.front();
  args.erase(args.begin());
  try {
#ifdef ALEATORIC_WITH_CLIENT
    if (command == "generate") return generate(args);
#endif
    if (command == "verify") {
      std::string key = option(args, "--key");
      if (args.size() != 1 || key.empty()) return usage();
      auto ds = al::Dataset::open(args[0]);  // exit 2 when not a dataset
      auto pub = al::PublicKey::load_pem_file(key);
      auto report = al::verify_dataset(args[0], pub);
      std::cout << "verified " << report.files() << " files in " << args[0] << " with key " << report.key_id << "\n";
      return 0;
    }
    if (args.size() != 1) return usage();
    auto ds = al::Dataset::open(args[0]);
    if (command == "info") return info(ds);
    if (command == "digests") return digests(ds);
    if (command == "replay") return replay(ds);
    if (command == "check") {
      auto problems = ds.check_files();
      for (const auto& p : problems) std::cerr << "error: " << p << "\n";
      if (problems.empty()) std::cout << "checked " << ds.files().size() << " files\n";
      return problems.empty() ? 0 : 1;
    }
    return usage();
#ifdef ALEATORIC_WITH_CLIENT
  } catch (const al::ConfigError& e) {
    for (const auto& f : e.fields()) std::cerr << "error: " << f.field << ": " << f.message << "\n";
    return 2;
#endif
  } catch (const al::VerifyError& e) {
    for (const auto& p : e.problems()) std::cerr << "error: " << p << "\n";
    return 1;
  } catch (const al::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
