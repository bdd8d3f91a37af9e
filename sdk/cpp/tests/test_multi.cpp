// The multi-instrument vector (expected.json's "multi_instrument"): instruments, their files,
// rows per instrument and table, merged streams, and verification of every file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <arrow/api.h>

#include "aleatoric/aleatoric.hpp"
#include "aleatoric/digest.hpp"
#include "vectors.hpp"

namespace al = aleatoric;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> multi() {
  std::vector<std::string> out;
  if (vectors::expected().contains("multi_instrument"))
    for (const auto& [name, _] : vectors::expected()["multi_instrument"].items()) out.push_back(name);
  return out;
}

const nlohmann::json& want_of(const std::string& name) { return vectors::expected()["multi_instrument"][name]; }

// expected.json's verdict shape: {"ok", "exit", "files", "key_id"} or {"ok", "exit", "problems"}.
nlohmann::json verdict(const fs::path& root, const al::PublicKey& key) {
  try {
    auto report = al::verify_dataset(root, key);
    return {{"ok", true}, {"exit", 0}, {"files", report.files()}, {"key_id", report.key_id}};
  } catch (const al::VerifyError& e) {
    return {{"ok", false}, {"exit", 1}, {"problems", e.problems()}};
  }
}

nlohmann::json manifest_check(const fs::path& root) {
  std::vector<std::string> mismatched;
  for (auto problem : al::Dataset::open(root).check_files()) {
    const std::string suffix = ": sha256 mismatch";
    if (problem.ends_with(suffix)) problem.resize(problem.size() - suffix.size());
    mismatched.push_back(problem);
  }
  return {{"ok", mismatched.empty()}, {"mismatched", mismatched}};
}

}  // namespace

TEST(MultiInstrument, ListsInstrumentsFilesAndRowsPerInstrument) {
  ASSERT_FALSE(multi().empty()) << "expected.json lists no multi_instrument dataset";
  for (const auto& name : multi()) {
    SCOPED_TRACE(name);
    const auto& want = want_of(name);
    auto ds = al::Dataset::open(vectors::dir() / name);
    EXPECT_EQ(ds.manifest()["config"], want["config"]);

    for (const auto& [table, rows] : want["tables"].items())
      EXPECT_EQ(ds.rows(*al::table_from_name(table)), rows.get<std::uint64_t>()) << table;
    auto digests = ds.table_digests();
    for (const auto& [table, digest] : want["table_digests"].items()) EXPECT_EQ(digests[table], digest) << table;
    ASSERT_EQ(ds.files().size(), want["files"].size());
    for (std::size_t i = 0; i < ds.files().size(); ++i) {
      EXPECT_EQ(ds.files()[i].path, want["files"][i]["path"]);
      EXPECT_EQ(ds.files()[i].sha256, want["files"][i]["sha256"]);
    }
    ASSERT_EQ(ds.segments().size(), want["segments"].size());
    for (std::size_t i = 0; i < ds.segments().size(); ++i) {
      EXPECT_EQ(ds.segments()[i].venue, want["segments"][i]["venue"]);
      EXPECT_EQ(ds.segments()[i].symbol, want["segments"][i]["symbol"]);
      EXPECT_EQ(ds.segments()[i].rows, want["segments"][i]["rows"].get<std::uint64_t>());
    }

    auto instruments = ds.instruments();
    const auto& listed = want["instruments"];
    ASSERT_GE(listed.size(), 2u);
    ASSERT_EQ(instruments.size(), listed.size());
    // A stream must be given its instrument when there are several.
    EXPECT_THROW(al::EventStream{ds}, al::InputError);
    for (std::size_t k = 0; k < instruments.size(); ++k) {
      const auto& ins = instruments[k];
      const auto& wi = listed[k];
      SCOPED_TRACE(ins.venue + ":" + ins.symbol);
      EXPECT_EQ(ins.venue, wi["venue"]);
      EXPECT_EQ(ins.symbol, wi["symbol"]);
      ASSERT_TRUE(ins.rules.is_object());
      EXPECT_EQ(ins.rules["lot_size"], wi["lot_size"]);
      EXPECT_EQ(ins.rules["tick_size"], wi["tick_size"]);
      EXPECT_EQ(ds.instrument(ins.venue, ins.symbol).rules, ins.rules);
      EXPECT_NO_THROW(ins.size_grid());

      std::vector<std::string> paths;
      for (al::Table t : al::all_tables())
        for (const auto& f : ds.files(t, &ins)) paths.push_back(f.path);
      auto want_paths = wi["files"].get<std::vector<std::string>>();
      std::sort(paths.begin(), paths.end());
      std::sort(want_paths.begin(), want_paths.end());
      EXPECT_EQ(paths, want_paths);

      for (al::Table t : al::all_tables()) {
        std::string table(al::table_name(t));
        auto rows = wi["tables"][table].get<std::int64_t>();
        EXPECT_EQ(ds.rows(t, ins), static_cast<std::uint64_t>(rows)) << table;
        // Read the rows, not just the manifest's counts.
        al::BatchReader batches(ds, t, al::ReadOptions{.instrument = ins});
        std::int64_t read = 0;
        while (auto b = batches.next()) read += b->num_rows();
        EXPECT_EQ(read, rows) << table;
      }
      auto trades = al::read_records<al::Trade>(ds, al::ReadOptions{.instrument = ins});
      EXPECT_EQ(static_cast<std::int64_t>(trades.size()), wi["tables"]["trades"].get<std::int64_t>());

      al::EventStream stream(ds, {}, ins);
      std::string lines;
      std::int64_t events = 0;
      al::Event e;
      while (stream.next(e)) {
        lines += std::to_string(al::ts_recv_of(e)) + " " + std::to_string(al::seq_of(e)) + " " +
                 std::string(al::table_name(al::table_of(e))) + "\n";
        ++events;
      }
      EXPECT_EQ(events, wi["merged_stream"]["events"].get<std::int64_t>());
      EXPECT_EQ(al::sha256_hex(lines), wi["merged_stream"]["sha256"]);
    }
    EXPECT_THROW(ds.instrument("binance", "NOPE"), al::InputError);
  }
}

TEST(MultiInstrument, EveryFileOfEveryInstrumentIsVerified) {
  ASSERT_FALSE(multi().empty());
  for (const auto& name : multi()) {
    SCOPED_TRACE(name);
    const auto& want = want_of(name);
    for (const auto& [key_name, w] : want["verify"].items()) {
      auto key = al::PublicKey::load_pem_file(vectors::key(key_name));
      EXPECT_EQ(verdict(vectors::dir() / name, key), w) << key_name;
    }
    EXPECT_TRUE(want["verify"][want["signed_with"].get<std::string>()]["ok"].get<bool>());
    EXPECT_EQ(manifest_check(vectors::dir() / name), want["manifest_check"]);

    // The tampered case, applied to a scratch copy.
    const auto& tampered = want["tampered"];
    fs::path root = fs::temp_directory_path() / ("aleatoric-cpp-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::copy(vectors::dir() / name, root, fs::copy_options::recursive);
    fs::path file = root / tampered["tampered"]["file"].get<std::string>();
    std::string bytes;
    {
      std::ifstream in(file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes.at(tampered["tampered"]["offset"].get<std::size_t>()) ^= tampered["tampered"]["xor"].get<char>();
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    for (const auto& [key_name, w] : tampered["verify"].items()) {
      auto key = al::PublicKey::load_pem_file(vectors::key(key_name));
      auto got = verdict(root, key);
      EXPECT_FALSE(got["ok"].get<bool>()) << key_name;
      EXPECT_EQ(got, w) << key_name;
    }
    EXPECT_EQ(manifest_check(root), tampered["manifest_check"]);
    fs::remove_all(root);
  }
}
